//! The synthetic data's randomness and vocabulary: a seeded generator and
//! the Spanish words its sentences are made of.

use crate::vocabulary::InstitutionKind;

pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(super) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

pub(super) const VERBS: &[&str] = &[
    "Fortalecer",
    "Implementar",
    "Promover",
    "Diseñar",
    "Publicar",
    "Ampliar",
    "Institucionalizar",
    "Crear",
    "Capacitar",
    "Socializar",
    "Actualizar",
    "Evaluar",
];
pub(super) const OBJECTS: &[&str] = &[
    "el acceso a la información pública",
    "la apertura de datos fiscales",
    "la participación ciudadana en la gestión municipal",
    "la rendición de cuentas en compras y contrataciones",
    "los mecanismos de denuncia ciudadana",
    "el portal de datos abiertos",
    "la transparencia en infraestructura escolar",
    "la seguridad alimentaria y nutricional",
    "los servicios públicos en línea",
    "la protección de la niñez y adolescencia migrante",
    "el presupuesto abierto con enfoque de género",
    "la gestión de riesgo a desastres",
];
pub(super) const PLACES: &[&str] = &[
    "Quiché",
    "Huehuetenango",
    "Quetzaltenango",
    "Sololá",
    "Chimaltenango",
    "Alta Verapaz",
    "Petén",
    "Escuintla",
    "Totonicapán",
    "San Marcos",
    "Jalapa",
    "Izabal",
];
pub(super) const TAILS: &[&str] = &[
    "con enfoque en poblaciones en condiciones de vulnerabilidad, pueblos indígenas, mujeres y juventud",
    "en coordinación con organizaciones de sociedad civil y la academia",
    "mediante mesas técnicas interinstitucionales y consultas públicas",
    "con publicación periódica de informes y datos abiertos reutilizables",
];
pub(super) const INSTITUTION_KINDS: &[(&str, InstitutionKind)] = &[
    ("Ministerio de", InstitutionKind::Government),
    ("Secretaría de", InstitutionKind::Government),
    ("Comisión Presidencial de", InstitutionKind::Government),
    ("Asociación para", InstitutionKind::CivilSociety),
    ("Fundación para", InstitutionKind::CivilSociety),
    ("Red Ciudadana de", InstitutionKind::CivilSociety),
    ("Programa Regional de", InstitutionKind::International),
];
pub(super) const TOPICS: &[&str] = &[
    "Transparencia",
    "Desarrollo Social",
    "Educación",
    "Salud Pública",
    "Finanzas Públicas",
    "Gobierno Electrónico",
    "Participación Ciudadana",
    "Seguridad Alimentaria",
    "Ambiente y Recursos Naturales",
    "Trabajo y Previsión Social",
    "Comunicación Social",
    "Planificación y Programación",
];
pub(super) const MONTHS: &[&str] = &[
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
];
pub(super) const COUNTRIES: &[&str] =
    &["GT", "SV", "HN", "CR", "PA", "MX", "CO", "PE", "CL", "AR", "UY", "PY", "BR", "DO", "EC"];

pub(super) fn sentence(rng: &mut Rng) -> String {
    format!("{} {} en {} {}.", rng.pick(VERBS), rng.pick(OBJECTS), rng.pick(PLACES), rng.pick(TAILS))
}

pub(super) fn month_end(year: i32, month: u32) -> chrono::NaiveDate {
    let next = if month == 12 {
        chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).expect("valid date")
}
