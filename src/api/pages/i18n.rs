//! The interface's words in Spanish (the default) and English: one catalog
//! struct, so that a string missing in either language does not compile.
//! (A catalog crate such as fluent would add a runtime lookup and a second
//! file format for two languages the compiler can already check.)

/// A language of the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// What the language's pages start with: nothing for Spanish, `/en`.
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::Es => "",
            Lang::En => "/en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Es => Lang::En,
            Lang::En => Lang::Es,
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::Es => &ES,
            Lang::En => &EN,
        }
    }

    /// One of two words, by language.
    pub fn pick(self, es: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Es => es,
            Lang::En => en,
        }
    }
}

/// Every string of the interface (data stays in the language of its source).
pub struct Text {
    pub language_name: &'static str,
    pub site_name: &'static str,
    pub site_description: &'static str,
    pub intro: &'static str,
    pub skip_to_content: &'static str,
    pub main_navigation: &'static str,
    pub home: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub api: &'static str,
    pub downloads: &'static str,
    pub data_dictionary: &'static str,
    pub how_to_cite: &'static str,
    pub license: &'static str,
    pub revision: &'static str,
    pub records: &'static str,
    pub record: &'static str,
    pub showing: &'static str,
    pub of: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub download_this_view: &'static str,
    pub csv_for_excel: &'static str,
    pub sort_by: &'static str,
    pub filtered_by: &'static str,
    pub clear_filters: &'static str,
    pub no_records: &'static str,
    pub as_json: &'static str,
    pub as_csv: &'static str,
    pub source_line: &'static str,
    pub plans_with_progress: &'static str,
    pub plan: &'static str,
    pub commitments: &'static str,
    pub milestones_completed: &'static str,
    pub progress_updates: &'static str,
    pub no_data: &'static str,
    pub no_progress_published: &'static str,
    pub no_milestones: &'static str,
    pub mean_progress: &'static str,
    pub milestones_word: &'static str,
    pub table: &'static str,
    pub rows: &'static str,
    pub everything: &'static str,
    pub downloads_note: &'static str,
    pub downloads_pending: &'static str,
    pub column: &'static str,
    pub kind: &'static str,
    pub description: &'static str,
    pub error_title: &'static str,
    pub back_home: &'static str,
    pub empty_value: &'static str,
    pub browse: &'static str,
    pub filter: &'static str,
    pub apply_filters: &'static str,
    pub latest_updates: &'static str,
    pub findings_by_kind: &'static str,
    pub findings_intro: &'static str,
    pub all_findings: &'static str,
    pub chart_alt: &'static str,
    pub chart_caption: &'static str,
    pub download_svg: &'static str,
}

pub static ES: Text = Text {
    language_name: "Español",
    site_name: "Gobierno Abierto Guatemala — datos abiertos",
    site_description: "Planes de acción de gobierno abierto de Guatemala: compromisos, hitos, instituciones y avances, como datos abiertos.",
    intro: "Los planes de acción de gobierno abierto de Guatemala como datos abiertos: qué se prometió, quién lo prometió, para cuándo y cuánto avanzó, tal como lo publicaron las fuentes, con la línea de origen de cada dato y con hallazgos donde lo reportado y lo registrado no coinciden.",
    skip_to_content: "Saltar al contenido",
    main_navigation: "Navegación principal",
    home: "Inicio",
    search: "Buscar",
    search_placeholder: "Palabras (sin importar acentos)",
    api: "API",
    downloads: "Descargas",
    data_dictionary: "Diccionario de datos",
    how_to_cite: "Cómo citar",
    license: "Licencia",
    revision: "Revisión",
    records: "registros",
    record: "registro",
    showing: "Mostrando",
    of: "de",
    next_page: "Página siguiente",
    first_page: "Primera página",
    download_this_view: "Descargar esta vista",
    csv_for_excel: "CSV para Excel",
    sort_by: "Ordenar por",
    filtered_by: "Filtrado por",
    clear_filters: "Quitar filtros",
    no_records: "Ningún registro coincide.",
    as_json: "Como JSON",
    as_csv: "Como CSV",
    source_line: "línea de la fuente",
    plans_with_progress: "Planes y su avance",
    plan: "Plan",
    commitments: "Compromisos",
    milestones_completed: "Hitos completados",
    progress_updates: "Avances",
    no_data: "sin datos",
    no_progress_published: "la fuente no publica avances",
    no_milestones: "sin hitos en la fuente",
    mean_progress: "avance medio",
    milestones_word: "hitos",
    table: "Tabla",
    rows: "Filas",
    everything: "Todo junto",
    downloads_note: "Para Excel o Google Sheets use «CSV para Excel»: UTF-8 con marca BOM, los acentos se ven bien. Cada revisión tiene además URLs inmutables con sumas SHA-256.",
    downloads_pending: "Las descargas se están generando.",
    column: "Columna",
    kind: "Tipo",
    description: "Descripción",
    error_title: "No se pudo mostrar la página",
    back_home: "Volver al inicio",
    empty_value: "—",
    browse: "Explorar los datos",
    filter: "Filtrar",
    apply_filters: "Aplicar filtros",
    latest_updates: "Últimos avances reportados",
    findings_by_kind: "Hallazgos, por tipo",
    findings_intro: "Donde lo reportado y lo registrado no coinciden, o falta algo que la fuente promete: cada hallazgo explica qué se comparó y enlaza los registros y las líneas de la fuente.",
    all_findings: "Todos los hallazgos",
    chart_alt: "Avance reportado en el tiempo: cada avance es un punto en su fecha y su porcentaje. Las mismas cifras están en la tabla de avances de esta página.",
    chart_caption: "Avance reportado en el tiempo (cada punto, un avance con su fecha y su %; las cifras, en la tabla de avances).",
    download_svg: "Descargar el gráfico (SVG)",
};

pub static EN: Text = Text {
    language_name: "English",
    site_name: "Open Government Guatemala — open data",
    site_description: "Guatemala's open-government action plans: commitments, milestones, institutions and progress, as open data.",
    intro: "Guatemala's open-government action plans as open data: what was promised, by whom, by when and how far it got, exactly as the sources published it, each record traced to its source line, with findings where reported progress and the records disagree. The data is in Spanish, as published.",
    skip_to_content: "Skip to content",
    main_navigation: "Main navigation",
    home: "Home",
    search: "Search",
    search_placeholder: "Words (accents ignored)",
    api: "API",
    downloads: "Downloads",
    data_dictionary: "Data dictionary",
    how_to_cite: "How to cite",
    license: "License",
    revision: "Revision",
    records: "records",
    record: "record",
    showing: "Showing",
    of: "of",
    next_page: "Next page",
    first_page: "First page",
    download_this_view: "Download this view",
    csv_for_excel: "CSV for Excel",
    sort_by: "Sort by",
    filtered_by: "Filtered by",
    clear_filters: "Clear filters",
    no_records: "No record matches.",
    as_json: "As JSON",
    as_csv: "As CSV",
    source_line: "source line",
    plans_with_progress: "Plans and their progress",
    plan: "Plan",
    commitments: "Commitments",
    milestones_completed: "Milestones completed",
    progress_updates: "Progress updates",
    no_data: "no data",
    no_progress_published: "the source publishes no progress",
    no_milestones: "no milestones in the source",
    mean_progress: "mean progress",
    milestones_word: "milestones",
    table: "Table",
    rows: "Rows",
    everything: "Everything",
    downloads_note: "For Excel or Google Sheets use “CSV for Excel”: UTF-8 with a byte-order mark, so accents show correctly. Every revision also has immutable URLs with SHA-256 checksums.",
    downloads_pending: "The downloads are being written.",
    column: "Column",
    kind: "Type",
    description: "Description",
    error_title: "The page could not be shown",
    back_home: "Back to the home page",
    empty_value: "—",
    browse: "Browse the data",
    filter: "Filter",
    apply_filters: "Apply filters",
    latest_updates: "Latest reported progress",
    findings_by_kind: "Findings, by kind",
    findings_intro: "Where reported progress and the records disagree, or something the source promises is missing: each finding says what was compared and links the records and source lines.",
    all_findings: "All findings",
    chart_alt: "Reported progress over time: each update is a point at its date and percentage. The same figures are in this page's table of updates.",
    chart_caption: "Reported progress over time (each point an update at its date and %; the figures are in the table of updates).",
    download_svg: "Download the chart (SVG)",
};
