//! The OpenAPI operations of a [`Collection`], written from its declaration:
//! the same structs that are deserialized document the parameters.

use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, Paths};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_actix_web::OpenApiFactory;

use super::collection::{Collection, Routes};
use super::negotiate::RepresentationParams;
use super::pagination::{ListPage, PageParams, SortField};

type Schemas = Vec<(String, RefOr<Schema>)>;

fn query<P: IntoParams>() -> Vec<utoipa::openapi::path::Parameter> {
    P::into_params(|| Some(ParameterIn::Query))
}

fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
    )
}

/// JSON of `schema`, CSV text or an XLSX workbook.
fn ok(description: &str, schema: &str) -> ResponseBuilder {
    let binary = ObjectBuilder::new().schema_type(Type::String).content_media_type(super::negotiate::XLSX_TYPE);
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))).build())
        .content("text/csv", ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String))).build())
        .content(super::negotiate::XLSX_TYPE, ContentBuilder::new().schema(Some(binary)).build())
}

fn list_page_name<C: Collection>() -> String {
    format!("{}_{}", ListPage::<C::Record>::name(), C::Record::name())
}

fn list_operation<C: Collection>() -> Operation {
    let d = &C::DOCS;
    let values: Vec<String> =
        <C::Sort as SortField>::FIELDS.iter().flat_map(|(name, _, _)| [name.to_string(), format!("-{name}")]).collect();
    let sort = ParameterBuilder::new()
        .name("sort")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(d.sort))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values))))
        .build();
    let mut params = query::<C::Params>();
    params.push(sort);
    if !C::FACETS.is_empty() {
        let names = C::FACETS.join("|");
        params.push(
            ParameterBuilder::new()
                .name("facets")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(format!(
                    "Comma-separated dimensions to count: how many records matching the filters (all pages) have each \
                     value, returned in `facets` (JSON only). Here: {}.",
                    C::FACETS.join(", ")
                )))
                .schema(Some(
                    ObjectBuilder::new().schema_type(Type::String).pattern(Some(format!("^({names})(,({names}))*$"))),
                ))
                .build(),
        );
    }
    params.extend(query::<PageParams>());
    params.extend(query::<RepresentationParams>());
    let mut op = OperationBuilder::new()
        .tag(C::TAG)
        .operation_id(Some(format!("list_{}", C::PATH.replace('-', "_"))))
        .summary(Some(d.list_summary))
        .parameters(Some(params))
        .response("200", ok(d.list_ok, &list_page_name::<C>()).build())
        .response("400", problem("Invalid parameter").build());
    if let Some(not_found) = d.list_not_found {
        op = op.response("404", problem(not_found).build());
    }
    op.response("406", problem("Unsupported Accept").build())
        .response("422", problem("An XLSX of more rows than one spreadsheet response holds (100,000)").build())
        .build()
}

fn item_operation<C: Collection>() -> Operation {
    let d = &C::DOCS;
    let id = ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(d.id))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    let mut params = vec![id];
    params.extend(query::<C::ItemParams>());
    params.extend(query::<RepresentationParams>());
    let mut op = OperationBuilder::new()
        .tag(C::TAG)
        .operation_id(Some(format!("get_{}", C::RECORD)))
        .summary(Some(d.item_summary))
        .parameters(Some(params))
        .response("200", ok(d.item_ok, &C::Detail::name()).build())
        .response("400", problem("Invalid parameter").build())
        .response("404", problem(d.item_not_found).build());
    if C::RETIRED {
        op =
            op.response("410", problem("Removed by a later revision: the problem gives `removed_in_revision`").build());
    }
    op.response("406", problem("Unsupported Accept").build()).build()
}

impl<C: Collection> OpenApiFactory for Routes<C> {
    fn paths(&self) -> Paths {
        Paths::builder()
            .path(format!("/{}", C::PATH), PathItem::new(HttpMethod::Get, list_operation::<C>()))
            .path(format!("/{}/{{id}}", C::PATH), PathItem::new(HttpMethod::Get, item_operation::<C>()))
            .build()
    }

    fn schemas(&self, schemas: &mut Schemas) {
        schemas.push((list_page_name::<C>(), <ListPage<C::Record> as PartialSchema>::schema()));
        schemas.push((C::Record::name().into(), C::Record::schema()));
        C::Record::schemas(schemas);
        schemas.push((C::Detail::name().into(), C::Detail::schema()));
        C::Detail::schemas(schemas);
    }
}
