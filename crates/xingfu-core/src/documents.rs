//! Official documents (公文): which can be issued when, who issues them, and how each is
//! numbered.
//!
//! A 公示 notice lists results while they are open to objections; a 命名 decision names the
//! communities once the period is over; a certificate goes to a named community; a 整改通知书 to
//! a community with clauses still unmet; a 通报 circulates a year's rankings; a score report
//! explains one community's result. Each issued document carries a serial number that the
//! public verification page looks up.

use crate::standard::GovLevel;
use crate::workflow::{Refusal, Stage};

/// The kinds of document Xingfu typesets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    /// 公示: the results a level approved, open to objections.
    Notice,
    /// 命名决定: the communities a level names, with their stars.
    Decision,
    /// 证书: one named community's star certificate.
    Certificate,
    /// 整改通知书: one community's unmet clauses, owners and deadlines.
    RectificationNotice,
    /// 通报: a year's rankings, commendations and 约谈提醒.
    Bulletin,
    /// 评分报告: one community's score per category and clause, the gap to the next star.
    ScoreReport,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Notice,
        DocumentKind::Decision,
        DocumentKind::Certificate,
        DocumentKind::RectificationNotice,
        DocumentKind::Bulletin,
        DocumentKind::ScoreReport,
    ];

    /// The kind's name in URLs, the API and template file names.
    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::Notice => "notice",
            DocumentKind::Decision => "decision",
            DocumentKind::Certificate => "certificate",
            DocumentKind::RectificationNotice => "rectification",
            DocumentKind::Bulletin => "bulletin",
            DocumentKind::ScoreReport => "score-report",
        }
    }

    pub fn parse(text: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.key() == text)
    }

    /// The two letters that open its serial numbers (from the kind's pinyin initials).
    pub fn serial_prefix(self) -> &'static str {
        match self {
            DocumentKind::Notice => "GS",
            DocumentKind::Decision => "MM",
            DocumentKind::Certificate => "ZS",
            DocumentKind::RectificationNotice => "ZG",
            DocumentKind::Bulletin => "TB",
            DocumentKind::ScoreReport => "PF",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            DocumentKind::Notice => "公示",
            DocumentKind::Decision => "命名决定",
            DocumentKind::Certificate => "星级证书",
            DocumentKind::RectificationNotice => "整改通知书",
            DocumentKind::Bulletin => "通报",
            DocumentKind::ScoreReport => "评分报告",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            DocumentKind::Notice => "Publication notice",
            DocumentKind::Decision => "Naming decision",
            DocumentKind::Certificate => "Star certificate",
            DocumentKind::RectificationNotice => "Rectification notice",
            DocumentKind::Bulletin => "Bulletin",
            DocumentKind::ScoreReport => "Score report",
        }
    }

    /// True for documents about one community; the others cover a level's area.
    pub fn per_community(self) -> bool {
        matches!(
            self,
            DocumentKind::Certificate
                | DocumentKind::RectificationNotice
                | DocumentKind::ScoreReport
        )
    }

    /// True for documents issued under a 文号 (the formal ones a government level sends).
    pub fn numbered(self) -> bool {
        matches!(self, DocumentKind::Decision | DocumentKind::Bulletin)
    }
}

/// Whether a per-community document may be issued for an entry at `stage` with `unmet`
/// clauses still open. The reason names the stage it waits for.
pub fn may_issue_for_entry(kind: DocumentKind, stage: Stage, unmet: usize) -> Result<(), Refusal> {
    let scored = matches!(
        stage,
        Stage::Computed | Stage::Approved | Stage::Published | Stage::Named
    );
    match kind {
        DocumentKind::Certificate if stage != Stage::Named => Err(Refusal {
            zh: "尚未命名：星级证书在命名之后才能出具".into(),
            en: "not named yet: a certificate is issued only after naming".into(),
        }),
        DocumentKind::ScoreReport if !scored => Err(Refusal {
            zh: "尚未算出得分：评分报告在评分汇总之后才能出具".into(),
            en: "no score yet: a score report is issued once the sheets are computed".into(),
        }),
        DocumentKind::RectificationNotice if !scored => Err(Refusal {
            zh: "尚未算出得分：整改通知书在评分汇总之后才能出具".into(),
            en: "no score yet: a rectification notice is issued once the sheets are computed"
                .into(),
        }),
        DocumentKind::RectificationNotice if unmet == 0 => Err(Refusal {
            zh: "没有未达标的条款，无需整改通知书".into(),
            en: "no clause is unmet: there is nothing to rectify".into(),
        }),
        _ => Ok(()),
    }
}

/// Whether a level's notice or decision may be issued: the notice once at least one of the
/// level's results is published (公示 or later), the decision once at least one is named.
pub fn may_issue_for_level(
    kind: DocumentKind,
    level: GovLevel,
    stages: impl IntoIterator<Item = Stage>,
) -> Result<(), Refusal> {
    let stages: Vec<Stage> = stages.into_iter().collect();
    let level_zh = level.zh();
    match kind {
        DocumentKind::Notice
            if !stages
                .iter()
                .any(|s| matches!(s, Stage::Published | Stage::Named)) =>
        {
            Err(Refusal {
                zh: format!("{level_zh}级审批的结果尚无公示：公示后才能出具公示文件"),
                en: format!(
                    "no result approved at the {} level is published yet",
                    level.key()
                ),
            })
        }
        DocumentKind::Decision if !stages.contains(&Stage::Named) => Err(Refusal {
            zh: format!("{level_zh}级审批的结果尚无命名：命名后才能出具命名决定"),
            en: format!(
                "no result approved at the {} level is named yet: the decision comes after naming",
                level.key()
            ),
        }),
        _ => Ok(()),
    }
}

/// The code of the region that issues a level's documents for a community: its district or
/// its city (or the street, for a street-level standard).
pub fn issuing_region(community_code: &str, level: GovLevel) -> Option<String> {
    match level {
        GovLevel::Street => crate::region::street_of(community_code),
        GovLevel::District => crate::region::district_of(community_code),
        GovLevel::City => crate::region::city_of(community_code),
        GovLevel::Province => crate::region::is_division_code(community_code)
            .then(|| format!("{}0000000000", &community_code[..2])),
        GovLevel::Community => None,
    }
}

/// Crockford's base-32 alphabet: no I, L, O or U, so a serial read aloud or typed from paper
/// is not mistaken.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many random characters a serial carries (40 bits: not guessable page by page).
pub const SERIAL_RANDOM_CHARS: usize = 8;

/// A document's serial number: `ZS-2013-7K3M9Q2X` — the kind, the year, eight random
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Serial(String);

impl Serial {
    /// A serial for `kind` in `year` from five random bytes.
    pub fn new(kind: DocumentKind, year: i64, random: [u8; 5]) -> Serial {
        let bits = random
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars: String = (0..SERIAL_RANDOM_CHARS)
            .rev()
            .map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char)
            .collect();
        Serial(format!("{}-{year:04}-{chars}", kind.serial_prefix()))
    }

    /// A serial as typed or scanned: case and surrounding spaces do not matter, and the
    /// letters Crockford reads as digits (O → 0, I and L → 1) are read so. None for anything
    /// that is not a serial.
    pub fn parse(text: &str) -> Option<Serial> {
        let text = text.trim();
        if text.len() > 32 {
            return None;
        }
        let upper = text.to_ascii_uppercase();
        let mut parts = upper.split('-');
        let (prefix, year, random) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let kind = DocumentKind::ALL
            .into_iter()
            .find(|k| k.serial_prefix() == prefix)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let random: String = random
            .chars()
            .map(|c| match c {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        if random.len() != SERIAL_RANDOM_CHARS || !random.bytes().all(|b| CROCKFORD.contains(&b)) {
            return None;
        }
        Some(Serial(format!("{}-{year}-{random}", kind.serial_prefix())))
    }

    pub fn kind(&self) -> DocumentKind {
        DocumentKind::ALL
            .into_iter()
            .find(|k| self.0.starts_with(k.serial_prefix()))
            .expect("a serial is made or parsed with its kind's prefix")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Serial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 文号 as GB/T 9704 writes it: the issuer's abbreviation, the year in 六角括号 and the
/// number — `鹿幸福办〔2013〕3号`.
pub fn document_number(abbreviation: &str, year: i64, number: u32) -> String {
    format!("{abbreviation}〔{year}〕{number}号")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_waits_for_naming() {
        for stage in Stage::ALL {
            let result = may_issue_for_entry(DocumentKind::Certificate, stage, 0);
            assert_eq!(result.is_ok(), stage == Stage::Named, "{stage:?}");
        }
        let refusal =
            may_issue_for_entry(DocumentKind::Certificate, Stage::Published, 0).unwrap_err();
        assert!(refusal.zh.contains("尚未命名"), "{}", refusal.zh);
    }

    #[test]
    fn score_reports_and_rectification_notices_need_a_score() {
        for kind in [DocumentKind::ScoreReport, DocumentKind::RectificationNotice] {
            for stage in [Stage::Declared, Stage::Refused, Stage::Scoring] {
                assert!(
                    may_issue_for_entry(kind, stage, 3).is_err(),
                    "{kind:?} {stage:?}"
                );
            }
            for stage in [
                Stage::Computed,
                Stage::Approved,
                Stage::Published,
                Stage::Named,
            ] {
                assert!(
                    may_issue_for_entry(kind, stage, 1).is_ok(),
                    "{kind:?} {stage:?}"
                );
            }
        }
        // Nothing unmet, nothing to rectify; the score report does not care.
        let none = may_issue_for_entry(DocumentKind::RectificationNotice, Stage::Named, 0);
        assert!(none.unwrap_err().zh.contains("没有未达标"));
        assert!(may_issue_for_entry(DocumentKind::ScoreReport, Stage::Named, 0).is_ok());
    }

    #[test]
    fn a_notice_needs_a_published_result_and_a_decision_a_named_one() {
        let city = GovLevel::City;
        let notice = |stages: &[Stage]| {
            may_issue_for_level(DocumentKind::Notice, city, stages.iter().copied())
        };
        let decision = |stages: &[Stage]| {
            may_issue_for_level(DocumentKind::Decision, city, stages.iter().copied())
        };
        assert!(notice(&[]).is_err());
        assert!(notice(&[Stage::Approved, Stage::Computed]).is_err());
        assert!(notice(&[Stage::Approved, Stage::Published]).is_ok());
        assert!(notice(&[Stage::Named]).is_ok());
        assert!(
            decision(&[Stage::Published])
                .unwrap_err()
                .zh
                .contains("命名后")
        );
        assert!(decision(&[Stage::Published, Stage::Named]).is_ok());
    }

    #[test]
    fn the_district_issues_for_its_communities_and_the_city_for_its() {
        let gulou = "330302001001";
        assert_eq!(
            issuing_region(gulou, GovLevel::District).as_deref(),
            Some("330302000000")
        );
        assert_eq!(
            issuing_region(gulou, GovLevel::City).as_deref(),
            Some("330300000000")
        );
        assert_eq!(
            issuing_region(gulou, GovLevel::Street).as_deref(),
            Some("330302001000")
        );
        assert_eq!(issuing_region("not a code", GovLevel::City), None);
        assert_eq!(issuing_region(gulou, GovLevel::Community), None);
    }

    #[test]
    fn serials_read_back_as_typed_or_scanned() {
        let serial = Serial::new(
            DocumentKind::Certificate,
            2013,
            [0x3a, 0x6f, 0x12, 0x00, 0xff],
        );
        assert!(serial.as_str().starts_with("ZS-2013-"), "{serial}");
        assert_eq!(
            serial.as_str().len(),
            "ZS-2013-".len() + SERIAL_RANDOM_CHARS
        );
        assert_eq!(Serial::parse(serial.as_str()), Some(serial.clone()));
        assert_eq!(serial.kind(), DocumentKind::Certificate);
        let typed = format!("  {} ", serial.as_str().to_ascii_lowercase());
        assert_eq!(Serial::parse(&typed), Some(serial));
        // O for 0, I and L for 1.
        assert_eq!(
            Serial::parse("gs-2013-OIL23456").map(|s| s.to_string()),
            Some("GS-2013-01123456".into())
        );
        // Different bytes, different serials; all zeros and all ones are serials too.
        let zeros = Serial::new(DocumentKind::Notice, 2013, [0; 5]);
        let ones = Serial::new(DocumentKind::Notice, 2013, [0xff; 5]);
        assert_eq!(zeros.as_str(), "GS-2013-00000000");
        assert_eq!(ones.as_str(), "GS-2013-ZZZZZZZZ");
        for bad in [
            "",
            "ZS-2013",
            "XX-2013-00000000",
            "ZS-13-00000000",
            "ZS-2013-0000000",
            "ZS-2013-000000000",
            "ZS-2013-0000000U",
            "ZS-2013-00000000-1",
            &"Z".repeat(100),
        ] {
            assert_eq!(Serial::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn document_numbers_are_written_as_gb_t_9704_says() {
        assert_eq!(document_number("鹿幸福办", 2013, 3), "鹿幸福办〔2013〕3号");
    }

    #[test]
    fn every_kind_has_its_own_key_and_prefix() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(kind.key()), Some(kind));
            let same_prefix = DocumentKind::ALL
                .iter()
                .filter(|k| k.serial_prefix() == kind.serial_prefix())
                .count();
            assert_eq!(same_prefix, 1, "{kind:?}");
        }
        assert_eq!(DocumentKind::parse("poster"), None);
    }
}
