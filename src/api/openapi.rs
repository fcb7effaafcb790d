//! The OpenAPI document: what the API says of itself, and the answers
//! every operation shares. The operations come from the routes (see
//! [`super::app`]), so the document and the route list cannot disagree.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gobierno Abierto Guatemala — API de datos abiertos",
        version = "1.0.0",
        description = "Read-only open data on Guatemala's open-government action plans: plans, commitments, \
milestones, the institutions responsible for them and the full history of reported progress, exactly as \
published in the source documents, with provenance.\n\n\
Every list and item is available as JSON (default), CSV (`Accept: text/csv`, `format=csv`, or a `.csv` \
suffix on the path) or XLSX (`format=xlsx` or a `.xlsx` suffix: a workbook whose first sheet describes the \
data, its revision, license, citation and every column). A CSV or XLSX list without `limit` or `cursor` holds \
every matching row (an XLSX at most 100,000: larger lists are 422). Lists take `limit` (1-1000, default 50), `sort` (`-field` for descending) and an \
opaque `cursor`; the next page is in `next` and in an RFC 8288 `Link` header, the total in `total` and \
`X-Total-Count`. Percentages are exact decimals as published (12.5 stays 12.5). Unknown or repeated \
parameters are rejected. Errors are RFC 9457 `application/problem+json`.\n\n\
Datos abiertos de los planes de acción de gobierno abierto de Guatemala.",
        license(name = "CC BY 4.0", url = "https://creativecommons.org/licenses/by/4.0/"),
    ),
    tags(
        (name = "meta", description = "Index and health"),
        (name = "plans", description = "Action plans"),
        (name = "commitments", description = "Commitments (compromisos, resultados, logros)"),
        (name = "milestones", description = "Milestones (hitos, acciones, metas) with their dates as written and normalised"),
        (name = "progress-updates", description = "Dated progress reports (avances) with percentages as published"),
        (name = "institutions", description = "Institutions, their aliases and roles"),
        (name = "quality-findings", description = "Data-quality findings computed from the data: where reported figures and the records disagree"),
        (name = "search", description = "Accent- and case-insensitive search across everything"),
        (name = "source-documents", description = "The source documents themselves: checksum, structure (headings, tables of contents) and text by line, where every record's `source.url` points"),
        (name = "downloads", description = "Bulk downloads: every table as CSV (plain and Excel), JSON, NDJSON and Parquet, an XLSX workbook, a SQLite database of every table, a ZIP of the CSVs, the changes from the previous revision (NDJSON and CSV diffs), a Frictionless datapackage and SHA256SUMS, per dataset revision; the changes record by record; Atom feeds"),
    )
)]
pub struct ApiDoc;

/// Answers any operation can give, whatever it does: a request the parser
/// refuses (400), too long (414) or with too many or too large headers
/// (431), a client past its rate or connection limit (429), a server at its
/// connection limit or without its database (503); and 304 to a conditional
/// GET of anything cached by revision.
pub fn add_shared_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str, retry: bool| {
        let mut r = ResponseBuilder::new().description(description).content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
        );
        if retry {
            r = r.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::Integer)))
                    .description(Some("Seconds to wait before retrying"))
                    .build(),
            );
        }
        RefOr::T(r.build())
    };
    let shared = [
        ("400", problem("The request is not valid: a parameter, or HTTP itself", false)),
        ("414", problem("The path or query string is longer than the server accepts", false)),
        ("429", problem("Too many requests or connections from this client; see Retry-After", true)),
        ("431", problem("The request headers are larger than the server accepts", false)),
        ("503", problem("Busy or without its database for a moment; see Retry-After", true)),
    ];
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(op) = item.get.as_mut() else { continue };
        let responses = &mut op.responses.responses;
        for (code, response) in &shared {
            responses.entry(code.to_string()).or_insert_with(|| response.clone());
        }
        let cached = path == "/" || (path.starts_with("/v1") && !path.starts_with("/v1/downloads/"));
        if cached && path != "/v1/openapi.json" {
            responses.entry("304".into()).or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("Not modified: the ETag or date given still names this revision's answer")
                        .build(),
                )
            });
        }
    }
}
