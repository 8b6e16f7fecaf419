//! Writes a standard's categories, items and clauses back into the TOML file format, so a clause
//! table imported from Excel can be kept as the exact text a round runs on (like any other
//! standard version). Everything outside `[[categories]]` — header, stars, rewards, targets,
//! notes and their comments — is kept from the base file as it was written.

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::standard::{Clause, Judge, NumericRule, SurveyScoring};

use crate::FileProblem;

fn number(d: Dec2) -> Item {
    if d.hundredths() % 100 == 0 {
        value(d.hundredths() / 100)
    } else {
        value(d.hundredths() as f64 / 100.0)
    }
}

fn strings(list: &[String]) -> Item {
    let mut array = Array::new();
    for s in list {
        array.push(s.as_str());
    }
    value(array)
}

fn optional(table: &mut Table, key: &str, text: &Option<String>) {
    if let Some(text) = text {
        table.insert(key, value(text.as_str()));
    }
}

fn rule(table: &mut Table, rule: &NumericRule) {
    match *rule {
        NumericRule::AtLeast { value } => {
            table.insert("at_least", number(value));
        }
        NumericRule::AtMost { value } => {
            table.insert("at_most", number(value));
        }
        NumericRule::Linear { zero_at, full_at } => {
            table.insert("zero_at", number(zero_at));
            table.insert("full_at", number(full_at));
        }
    }
}

fn clause_table(clause: &Clause) -> Table {
    let mut t = Table::new();
    t.insert("id", value(clause.id.as_str()));
    t.insert("text", value(clause.text.as_str()));
    optional(&mut t, "text_en", &clause.text_en);
    t.insert("points", number(clause.points));
    t.insert("judge", value(clause.judge.key()));
    match &clause.judge {
        Judge::Met | Judge::Graded => {}
        Judge::Numeric {
            measure,
            unit,
            rule: r,
        } => {
            t.insert("measure", value(measure.as_str()));
            optional(&mut t, "unit", unit);
            rule(&mut t, r);
        }
        Judge::Metric {
            metric,
            unit,
            rule: r,
        } => {
            t.insert("metric", value(metric.as_str()));
            optional(&mut t, "unit", unit);
            rule(&mut t, r);
        }
        Judge::Survey { dimension, scoring } => {
            t.insert("dimension", value(dimension.as_str()));
            match scoring {
                SurveyScoring::Threshold { threshold } => {
                    t.insert("threshold", number(*threshold));
                }
                SurveyScoring::Proportional => {
                    t.insert("scoring", value("proportional"));
                }
            }
        }
    }
    if !clause.methods.is_empty() {
        let names: Vec<String> = clause.methods.iter().map(|m| m.zh().to_string()).collect();
        t.insert("methods", strings(&names));
    }
    optional(&mut t, "evidence", &clause.evidence);
    optional(&mut t, "lead_department", &clause.lead_department);
    if !clause.responsible_departments.is_empty() {
        t.insert(
            "responsible_departments",
            strings(&clause.responsible_departments),
        );
    }
    t.insert("effort", value(i64::from(clause.effort)));
    if clause.veto {
        t.insert("veto", value(true));
    }
    optional(&mut t, "source_quote", &clause.source_quote);
    t
}

/// `base_text` (a standard file) with its categories replaced by `standard`'s, as TOML text.
pub fn with_categories(
    file: &str,
    base_text: &str,
    standard: &Standard,
) -> Result<String, FileProblem> {
    let mut doc: DocumentMut = base_text.parse().map_err(|e| {
        FileProblem::new(
            file,
            None,
            None,
            format!("基础标准文件不是有效的 TOML:{e}"),
            format!("the base standard file is not valid TOML: {e}"),
        )
    })?;
    let mut categories = ArrayOfTables::new();
    for category in &standard.categories {
        let mut c = Table::new();
        c.insert("id", value(category.id.as_str()));
        c.insert("name", value(category.name.as_str()));
        optional(&mut c, "name_en", &category.name_en);
        optional(&mut c, "lead_department", &category.lead_department);
        if !category.responsible_departments.is_empty() {
            c.insert(
                "responsible_departments",
                strings(&category.responsible_departments),
            );
        }
        if let Some(points) = category.points {
            c.insert("points", number(points));
        }
        let mut items = ArrayOfTables::new();
        for item in &category.items {
            let mut i = Table::new();
            i.insert("id", value(item.id.as_str()));
            i.insert("name", value(item.name.as_str()));
            optional(&mut i, "name_en", &item.name_en);
            if let Some(points) = item.points {
                i.insert("points", number(points));
            }
            let mut clauses = ArrayOfTables::new();
            for clause in &item.clauses {
                clauses.push(clause_table(clause));
            }
            i.insert("clauses", Item::ArrayOfTables(clauses));
            items.push(i);
        }
        c.insert("items", Item::ArrayOfTables(items));
        categories.push(c);
    }
    doc.remove("categories");
    doc.insert("categories", Item::ArrayOfTables(categories));
    Ok(doc.to_string())
}
