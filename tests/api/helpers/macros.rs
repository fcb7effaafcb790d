//! One test body on both backends: `both_backends!` and `on_bundled!` give
//! it an app of its own, `read_only!` and `read_only_bundled!` the test
//! binary's shared one.

/// Run the same test body against SQLite and PostgreSQL:
/// `both_backends!(name, |app| { ... })` defines `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($app: $crate::helpers::TestApp) $body
            #[test]
            fn sqlite() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite));
            }
            #[test]
            fn postgres() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Postgres));
            }
        }
    };
}

/// Like `both_backends!`, on the bundled dataset.
#[macro_export]
macro_rules! on_bundled {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($app: $crate::helpers::TestApp) $body
            #[test]
            fn sqlite() {
                run($crate::helpers::spawn_bundled($crate::helpers::Backend::Sqlite));
            }
            #[test]
            fn postgres() {
                run($crate::helpers::spawn_bundled($crate::helpers::Backend::Postgres));
            }
        }
    };
}

/// Like `both_backends!`, for a test that only reads: the body gets the
/// binary's shared app (`&TestApp`) instead of one of its own. Nothing in it
/// may change the data, the files or the server's state, nor count on being
/// alone on the server.
#[macro_export]
macro_rules! read_only {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($app: &$crate::helpers::TestApp) $body
            #[test]
            fn sqlite() {
                run($crate::helpers::shared_app($crate::helpers::Backend::Sqlite));
            }
            #[test]
            fn postgres() {
                run($crate::helpers::shared_app($crate::helpers::Backend::Postgres));
            }
        }
    };
}

/// Like `read_only!`, on the bundled dataset.
#[macro_export]
macro_rules! read_only_bundled {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($app: &$crate::helpers::TestApp) $body
            #[test]
            fn sqlite() {
                run($crate::helpers::shared_bundled($crate::helpers::Backend::Sqlite));
            }
            #[test]
            fn postgres() {
                run($crate::helpers::shared_bundled($crate::helpers::Backend::Postgres));
            }
        }
    };
}
