//! Typed query parameters. A parameter struct (the same one that documents
//! the parameters in OpenAPI through `IntoParams`) is deserialized from the
//! checked query pairs; a value that does not fit is a 400 naming the
//! parameter and saying what it accepts. Enum-valued parameters answer
//! "must be one of: …" from their variant list.

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::Deserialize;

use super::error::ApiError;
use super::query::QueryArgs;

/// Deserialize `T` from the request's query parameters (those `T` does not
/// declare are left for the other parameter structs of the operation).
pub fn from_query<T: DeserializeOwned>(args: &QueryArgs) -> Result<T, ApiError> {
    T::deserialize(Pairs { pairs: args.pairs(), next: 0, key: None }).map_err(|e| match e.name {
        Some(name) => ApiError::bad(&name, e.reason),
        None => ApiError::bad("query", e.reason),
    })
}

/// Why a value was refused, and which parameter it was.
#[derive(Debug)]
pub struct ParamError {
    name: Option<String>,
    reason: String,
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ParamError {}

impl de::Error for ParamError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ParamError { name: None, reason: msg.to_string() }
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        ParamError { name: None, reason: format!("must be one of: {}", expected.join(", ")) }
    }
}

struct Pairs<'a> {
    pairs: &'a [(String, String)],
    next: usize,
    key: Option<&'a str>,
}

impl<'de> de::Deserializer<'de> for Pairs<'_> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> de::MapAccess<'de> for Pairs<'_> {
    type Error = ParamError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ParamError> {
        let Some((k, _)) = self.pairs.get(self.next) else { return Ok(None) };
        self.key = Some(k);
        seed.deserialize(k.as_str().into_deserializer()).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ParamError> {
        let (name, value) = &self.pairs[self.next];
        self.next += 1;
        seed.deserialize(Value(value)).map_err(|mut e| {
            e.name.get_or_insert_with(|| name.clone());
            e
        })
    }
}

/// One parameter's text, read as the type asks.
struct Value<'a>(&'a str);

impl<'de> de::Deserializer<'de> for Value<'_> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_some(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.0 {
            "1" | "true" => visitor.visit_bool(true),
            "0" | "false" => visitor.visit_bool(false),
            _ => Err(de::Error::custom("must be one of: 0, 1, true, false")),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_i64(self.0.parse().map_err(|_| de::Error::custom("must be an integer"))?)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// Text read with a check: `Ok` or the reason, in the words of the 400.
fn checked<'de, D, T>(d: D, check: impl FnOnce(&str) -> Result<T, String>) -> Result<T, D::Error>
where
    D: de::Deserializer<'de>,
{
    let s = String::deserialize(d)?;
    check(&s).map_err(de::Error::custom)
}

/// A percentage such as `12.5`, as hundredths (1250).
#[derive(Clone, Copy, Debug)]
pub struct Percent(pub i32);

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| {
            crate::percent::parse_hundredths(v)
                .filter(|h| (0..=10000).contains(h))
                .map(Percent)
                .ok_or_else(|| "must be a number from 0 to 100 with at most two decimals".to_string())
        })
    }
}

/// A calendar day written `YYYY-MM-DD`.
#[derive(Clone, Debug)]
pub struct Day(pub String);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|_| v.len() == 10)
                .map(|_| Day(v.to_string()))
                .ok_or_else(|| "must be a date written YYYY-MM-DD".to_string())
        })
    }
}

/// A point in time, `YYYY-MM-DD` (midnight UTC) or RFC 3339, kept as UTC
/// `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Clone, Debug)]
pub struct Since(pub String);

impl<'de> Deserialize<'de> for Since {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |v| {
            let utc = if v.len() == 10 {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            } else {
                chrono::DateTime::parse_from_rfc3339(v).ok().map(|t| t.with_timezone(&chrono::Utc))
            };
            utc.map(|t| Since(t.format(crate::revision::TIME_FORMAT).to_string()))
                .ok_or_else(|| "must be a date YYYY-MM-DD or an RFC 3339 time such as 2026-11-21T10:00:00Z".to_string())
        })
    }
}

/// Search words (`q`), folded for accent- and case-insensitive matching.
#[derive(Clone, Debug, Default)]
pub struct Terms(pub Vec<String>);

impl<'de> Deserialize<'de> for Terms {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked(d, |q| {
            if q.chars().count() > 200 {
                return Err("must be at most 200 characters".to_string());
            }
            Ok(Terms(crate::text::terms(q)))
        })
    }
}

impl Terms {
    pub fn of(q: Option<Terms>) -> Vec<String> {
        q.map(|t| t.0).unwrap_or_default()
    }
}

/// A page size from 1 to [`super::query::MAX_LIMIT`].
#[derive(Clone, Copy, Debug)]
pub struct Limit(pub i64);

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use super::query::MAX_LIMIT;
        checked(d, |v| match v.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Limit(n)),
            _ => Err(format!("must be an integer from 1 to {MAX_LIMIT}")),
        })
    }
}

/// A value from a closed list given as text (for lists that are not yet enums).
pub fn one_of(name: &str, value: Option<String>, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => {
            Err(ApiError::bad(name, format!("must be one of: {}", allowed.join(", "))))
        }
        v => Ok(v),
    }
}

/// A comma-separated list of allowed values, each once (empty when absent).
pub fn any_of(name: &str, value: Option<String>, allowed: &[&str]) -> Result<Vec<String>, ApiError> {
    let Some(v) = value else { return Ok(Vec::new()) };
    let mut out: Vec<String> = Vec::new();
    for item in v.split(',') {
        if !allowed.contains(&item) {
            return Err(ApiError::bad(
                name,
                format!("must be one or more of {}, separated by commas", allowed.join(", ")),
            ));
        }
        if !out.iter().any(|o| o == item) {
            out.push(item.to_string());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        Red,
        DarkBlue,
    }

    #[derive(Deserialize, Debug)]
    struct P {
        colour: Option<Colour>,
        min: Option<Percent>,
        all: Option<bool>,
    }

    fn parse(qs: &str) -> Result<P, ApiError> {
        let names: Vec<String> = ["colour", "min", "all", "other"].iter().map(|s| s.to_string()).collect();
        from_query(&QueryArgs::parse_str(qs, &names)?)
    }

    #[test]
    fn values_are_typed_and_refusals_name_the_parameter() {
        let p = parse("colour=dark_blue&min=12.5&all=1&other=x").unwrap();
        assert!(matches!(p.colour, Some(Colour::DarkBlue)));
        assert_eq!(p.min.map(|m| m.0), Some(1250));
        assert_eq!(p.all, Some(true));
        let e = parse("colour=green").unwrap_err().to_string();
        assert_eq!(e, "parameter `colour` must be one of: red, dark_blue");
        let e = parse("min=101").unwrap_err().to_string();
        assert!(e.starts_with("parameter `min` must be a number from 0 to 100"), "{e}");
        let e = parse("all=yes").unwrap_err().to_string();
        assert_eq!(e, "parameter `all` must be one of: 0, 1, true, false");
    }
}
