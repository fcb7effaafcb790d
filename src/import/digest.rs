//! One digest of everything an import reads: the importer's own build and
//! the bytes of every input file. The same digest means the same revision
//! would come out, so an import of unchanged inputs stops after hashing
//! them (SHA-256 runs at disk-cache speed: about a second at scale 100)
//! instead of reading, checking and comparing a million rows.
//!
//! The build is part of it because the same files give other rows when the
//! importer's checks or derived figures change. A digest that differs is not
//! a change of content: the full import still compares the content and
//! creates no revision when it is equal (it then records the new digest).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// The digest of an import of the canonical folder `dir` (with its source
/// texts, in `dir/sources` or `dir/../sources`), plus `extra`: other files
/// read (a tracking-platform report) and words that change what comes out
/// (the plan a report replaces).
pub fn of_import(dir: &Path, extra_files: &[&Path], extra_words: &[&str]) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    let beside = dir.join("..").join("sources");
    if beside.is_dir() {
        let mut texts = Vec::new();
        collect(&beside, &beside, &mut texts)?;
        files.extend(texts.into_iter().map(|(name, path)| (format!("../sources/{name}"), path)));
    }
    for f in extra_files {
        files.push((format!("extra:{}", f.display()), f.to_path_buf()));
    }
    let exe = std::env::current_exe()?;
    files.push(("importer build".into(), exe));
    // Each file hashed on its own core, then the names and digests in order.
    let digests: Vec<(String, Vec<u8>)> =
        files.into_par_iter().map(|(name, path)| Ok((name, hash_file(&path)?))).collect::<std::io::Result<_>>()?;
    let mut all = Sha256::new();
    for (name, d) in &digests {
        all.update(name.as_bytes());
        all.update([0]);
        all.update(d);
    }
    for w in extra_words {
        all.update(w.as_bytes());
        all.update([0]);
    }
    Ok(hex::encode(all.finalize()))
}

/// Every regular file under `dir`, named by its path from `root` with `/`,
/// in name order.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let kind = e.file_type()?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if path.is_file() {
            let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((name, path));
        }
    }
    Ok(())
}

fn hash_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut h = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut h)?;
    Ok(h.finalize().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = d.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        d
    }

    #[test]
    fn the_same_bytes_give_the_same_digest_and_any_change_another() {
        let a = folder(&[("plans.csv", "id\nx\n"), ("sources/doc.txt", "línea")]);
        let b = folder(&[("plans.csv", "id\nx\n"), ("sources/doc.txt", "línea")]);
        let d = |f: &tempfile::TempDir| of_import(f.path(), &[], &[]).unwrap();
        assert_eq!(d(&a), d(&b));
        std::fs::write(b.path().join("sources/doc.txt"), "linea").unwrap();
        assert_ne!(d(&a), d(&b), "an accent is a change");
        let c = folder(&[("plans.csv", "id\nx\n"), ("sources/otro.txt", "línea")]);
        assert_ne!(d(&a), d(&c), "a renamed file is a change");
        assert_ne!(d(&a), of_import(a.path(), &[], &["gt-plan"]).unwrap(), "so is another plan for a report");
    }
}
