//! gzip and brotli, negotiated by `Accept-Encoding`: a cached response is
//! compressed once per encoding (and kept), a streamed one chunk by chunk on
//! its encoder thread. Each encoding of a representation has its own strong
//! ETag (the identity tag with `-gzip` or `-br`), and every response says
//! `Vary: Accept-Encoding`.

use std::io::Write;

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;

/// Bodies smaller than this go out as they are (the headers would cost more).
pub const MIN_SIZE: usize = 512;

/// brotli quality for cached bodies (compressed once, served many times)
/// and for streams (compressed as they go, at the pace of the database).
const BROTLI_CACHED: u32 = 5;
const BROTLI_STREAM: u32 = 3;
/// brotli window: 4 MB.
const BROTLI_WINDOW: u32 = 22;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` token, none for identity.
    pub fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    /// The best encoding an `Accept-Encoding` header allows: brotli, then
    /// gzip, by q-value (brotli on a tie); identity without the header.
    pub fn negotiate(header: Option<&HeaderValue>) -> Encoding {
        let Some(v) = header.and_then(|v| v.to_str().ok()) else { return Encoding::Identity };
        let (mut br, mut gzip, mut star) = (None::<f32>, None::<f32>, None::<f32>);
        for item in v.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match coding.as_str() {
                "br" => br = Some(q),
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => star = Some(q),
                _ => {}
            }
        }
        let br = br.or(star).unwrap_or(0.0);
        let gzip = gzip.or(star).unwrap_or(0.0);
        if br > 0.0 && br >= gzip {
            Encoding::Brotli
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// This encoding's strong ETag, from the identity one (`"r1-ab"` →
    /// `"r1-ab-br"`): a compressed and an uncompressed body never share one.
    pub fn tag(self, identity: &str) -> String {
        match self.token() {
            None => identity.to_string(),
            Some(t) => match identity.strip_suffix('"') {
                Some(open) => format!("{open}-{t}\""),
                None => format!("{identity}-{t}"),
            },
        }
    }

    /// A whole body compressed (for the response cache: done once).
    pub fn compress(self, body: &[u8]) -> Bytes {
        match self {
            Encoding::Identity => Bytes::copy_from_slice(body),
            _ => {
                let mut e = Encoder::new(self, BROTLI_CACHED);
                let mut out = e.push(body);
                out.extend_from_slice(&e.finish());
                Bytes::from(out)
            }
        }
    }
}

/// Whether a media type gains from compression (text; not images or
/// archives, which are compressed already).
pub fn compressible(content_type: Option<&HeaderValue>) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else { return false };
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.ends_with("+json")
        || ct.ends_with("+xml")
        || matches!(ct.as_str(), "application/json" | "application/xml" | "application/javascript" | "image/svg+xml")
}

/// A compressor fed chunk by chunk, handing back what it has produced.
pub enum Encoder {
    Identity,
    Gzip(Box<flate2::write::GzEncoder<Vec<u8>>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
}

impl Encoder {
    pub fn new(encoding: Encoding, brotli_quality: u32) -> Encoder {
        match encoding {
            Encoding::Identity => Encoder::Identity,
            Encoding::Gzip => {
                Encoder::Gzip(Box::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6))))
            }
            Encoding::Brotli => Encoder::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                64 << 10,
                brotli_quality,
                BROTLI_WINDOW,
            ))),
        }
    }

    /// For a stream: brotli at the quality that keeps up with the database.
    pub fn for_stream(encoding: Encoding) -> Encoder {
        Encoder::new(encoding, BROTLI_STREAM)
    }

    /// Compress a chunk; returns the compressed bytes produced so far (the
    /// compressor may hold some back until the next chunk or the end).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        // Writing into a Vec cannot fail.
        match self {
            Encoder::Identity => chunk.to_vec(),
            Encoder::Gzip(e) => {
                let _ = e.write_all(chunk);
                std::mem::take(e.get_mut())
            }
            Encoder::Brotli(e) => {
                let _ = e.write_all(chunk);
                std::mem::take(e.get_mut())
            }
        }
    }

    /// The end of the compressed stream.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Encoder::Identity => Vec::new(),
            Encoder::Gzip(e) => e.finish().unwrap_or_default(),
            Encoder::Brotli(e) => e.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn negotiate(v: &str) -> Encoding {
        Encoding::negotiate(Some(&HeaderValue::from_str(v).unwrap()))
    }

    #[test]
    fn accept_encoding_picks_brotli_then_gzip_by_quality() {
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
        assert_eq!(negotiate("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(negotiate("gzip"), Encoding::Gzip);
        assert_eq!(negotiate("br;q=0.5, gzip"), Encoding::Gzip);
        assert_eq!(negotiate("br;q=0, gzip;q=0"), Encoding::Identity);
        assert_eq!(negotiate("*"), Encoding::Brotli);
        assert_eq!(negotiate("identity"), Encoding::Identity);
        assert_eq!(negotiate("deflate"), Encoding::Identity);
    }

    #[test]
    fn each_encoding_has_its_own_tag() {
        assert_eq!(Encoding::Identity.tag("\"r1-ab\""), "\"r1-ab\"");
        assert_eq!(Encoding::Gzip.tag("\"r1-ab\""), "\"r1-ab-gzip\"");
        assert_eq!(Encoding::Brotli.tag("\"r1-ab\""), "\"r1-ab-br\"");
    }

    #[test]
    fn whole_and_chunked_bodies_decompress_to_the_original() {
        let text: Vec<u8> = (0..20_000).flat_map(|i| format!("{i},Ñandú acción\n").into_bytes()).collect();
        for enc in [Encoding::Gzip, Encoding::Brotli] {
            let whole = enc.compress(&text);
            assert!(whole.len() < text.len() / 3, "{enc:?}");
            let mut streamed = Vec::new();
            let mut e = Encoder::for_stream(enc);
            for chunk in text.chunks(7_000) {
                streamed.extend(e.push(chunk));
            }
            streamed.extend(e.finish());
            for body in [whole.to_vec(), streamed] {
                let mut out = Vec::new();
                match enc {
                    Encoding::Gzip => flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out).unwrap(),
                    _ => brotli::Decompressor::new(&body[..], 4096).read_to_end(&mut out).unwrap(),
                };
                assert_eq!(out, text, "{enc:?}");
            }
        }
        assert!(compressible(Some(&HeaderValue::from_static("application/json"))));
        assert!(compressible(Some(&HeaderValue::from_static("text/csv; charset=utf-8"))));
        assert!(compressible(Some(&HeaderValue::from_static("application/problem+json"))));
        assert!(!compressible(Some(&HeaderValue::from_static("image/png"))));
        assert!(!compressible(None));
    }
}
