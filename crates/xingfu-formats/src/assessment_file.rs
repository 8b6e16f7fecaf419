//! One community's assessment, as TOML or JSON. See `docs/assessment-format.md`; the answer forms
//! depend on each clause's judge.
//!
//! ```toml
//! community = "330302006001"   # 12-digit division code (or any unique code)
//! name = "五马社区"
//! previous_star = 2            # last year's star, 0 or absent for none
//!
//! [answers]
//! "ZZ1.1" = true                                  # met / not met
//! "ZZ1.2" = 15.5                                  # graded points, counted value, or rate in %
//! "TJ1.1" = { vetoed = true, reason = "…" }       # a veto item
//! "ZZ3.2" = { points = 12, note = "台账不全" }
//!
//! [metrics]
//! "events.closure_rate" = 93.5
//! ```

use std::collections::BTreeMap;

use serde_json::Value;
use xingfu_core::Standard;
use xingfu_core::decimal::Dec2;
use xingfu_core::region;
use xingfu_core::round::{Entry, Unit};
use xingfu_core::scoring::{Answer, Assessment};
use xingfu_core::standard::Judge;

use crate::problem::FileProblem;

/// Reads an assessment; `file` decides the syntax (`.json` is JSON, anything else TOML).
pub fn load_assessment(
    file: &str,
    text: &str,
    standard: &Standard,
) -> Result<Entry, Vec<FileProblem>> {
    let value: Value = if file.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| {
            vec![FileProblem::new(
                file,
                Some(e.line()),
                None,
                format!("无法读取 JSON:{e}"),
                format!("cannot read JSON: {e}"),
            )]
        })?
    } else {
        toml::from_str::<Value>(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            let message = e.message().trim().to_string();
            vec![FileProblem::new(
                file,
                line,
                None,
                format!("无法读取 TOML:{message}"),
                format!("cannot read TOML: {message}"),
            )]
        })?
    };
    entry_from_value(file, &value, standard)
}

fn problem(file: &str, id: Option<&str>, zh: String, en: String) -> FileProblem {
    FileProblem::new(file, None, id.map(str::to_string), zh, en)
}

const TOP_KEYS: &[&str] = &[
    "standard",
    "community",
    "name",
    "street",
    "street_code",
    "district",
    "district_code",
    "year",
    "previous_star",
    "answers",
    "metrics",
];

fn entry_from_value(
    file: &str,
    value: &Value,
    standard: &Standard,
) -> Result<Entry, Vec<FileProblem>> {
    let mut problems = Vec::new();
    let Some(top) = value.as_object() else {
        return Err(vec![problem(
            file,
            None,
            "文件内容应是一个表".into(),
            "the file must hold a table".into(),
        )]);
    };
    for k in top.keys() {
        if !TOP_KEYS.contains(&k.as_str()) {
            problems.push(problem(
                file,
                None,
                format!("未知的字段 {k}（可用：{}）", TOP_KEYS.join(", ")),
                format!("unknown field {k} (use {})", TOP_KEYS.join(", ")),
            ));
        }
    }
    let text = |k: &str| top.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(named) = text("standard")
        && named != standard.id
    {
        problems.push(problem(
            file,
            None,
            format!("此评估写明标准 {named}，但所用标准是 {}", standard.id),
            format!(
                "this assessment names standard {named}, but {} is in use",
                standard.id
            ),
        ));
    }
    let code = match top.get("community") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            problems.push(problem(
                file,
                None,
                "缺少 community（社区编码）".into(),
                "community (the community's code) is missing".into(),
            ));
            String::new()
        }
    };
    let previous_star = match top.get("previous_star") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().filter(|s| *s <= 5) {
            Some(star) => Some(star as u8),
            None => {
                problems.push(problem(
                    file,
                    None,
                    format!("previous_star（上年星级）应是 0–5 的整数，不是 {v}"),
                    format!("previous_star must be a whole number 0–5, not {v}"),
                ));
                None
            }
        },
    };
    // A name given without its code keeps the code derived from the community's own code.
    let unit = |code_key: &str, name_key: &str, derive: fn(&str) -> Option<String>| {
        let name = text(name_key);
        text(code_key)
            .or_else(|| derive(&code))
            .map(|code| Unit { code, name })
    };
    let mut assessment = Assessment::default();
    if let Some(answers) = top.get("answers") {
        match answers.as_object() {
            Some(map) => {
                for (id, answer) in map {
                    match read_answer(standard, id, answer) {
                        Ok(answer) => {
                            assessment.answers.insert(id.clone(), answer);
                        }
                        Err((zh, en)) => problems.push(problem(file, Some(id), zh, en)),
                    }
                }
            }
            None => problems.push(problem(
                file,
                None,
                "answers 应是一个表（条款编号 = 结果）".into(),
                "answers must be a table of clause id = result".into(),
            )),
        }
    }
    if let Some(metrics) = top.get("metrics") {
        let mut read = BTreeMap::new();
        for (name, v) in metrics.as_object().into_iter().flatten() {
            let known = standard
                .clauses()
                .any(|c| matches!(&c.judge, Judge::Metric { metric, .. } if metric == name));
            if !known {
                problems.push(problem(
                    file,
                    Some(name),
                    format!(
                        "标准 {} 中没有条款使用指标 {name}（指标名写错了？）",
                        standard.id
                    ),
                    format!(
                        "no clause of {} uses the metric {name} (a typo?)",
                        standard.id
                    ),
                ));
                continue;
            }
            match number_of(v) {
                Some(Ok(n)) => {
                    read.insert(name.clone(), n);
                }
                _ => problems.push(problem(
                    file,
                    Some(name),
                    format!("指标 {name} 应是数字，不是 {v}"),
                    format!("metric {name} must be a number, not {v}"),
                )),
            }
        }
        assessment.metrics = read;
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let street = unit("street_code", "street", region::street_of);
    let district = unit("district_code", "district", region::district_of);
    Ok(Entry {
        name: text("name").unwrap_or_else(|| code.clone()),
        code,
        street,
        district,
        previous_star,
        assessment,
    })
}

fn number_of(v: &Value) -> Option<Result<Dec2, String>> {
    match v {
        Value::Number(n) => Some(match n.as_i64() {
            Some(i) => Ok(Dec2::from_int(i)),
            None => n
                .as_f64()
                .ok_or_else(|| n.to_string())
                .and_then(|f| Dec2::from_f64(f).map_err(|e| e.to_string())),
        }),
        Value::String(s) => Some(Dec2::parse(s).map_err(|e| e.to_string())),
        _ => None,
    }
}

/// Words people write in a yes/no cell.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "是" | "达标" | "符合" | "√" | "✓" | "有" => Some(true),
        "false" | "no" | "n" | "否" | "未达标" | "不达标" | "不符合" | "×" | "✗" | "无" => {
            Some(false)
        }
        _ => None,
    }
}

type Message = (String, String);

fn looks_numeric(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|t| t.trim().trim_end_matches('%').parse::<f64>().is_ok())
}

/// One answer read against its clause; the core then checks that it fits the judge.
pub fn read_answer(standard: &Standard, id: &str, value: &Value) -> Result<Answer, Message> {
    let clause = standard.clause(id).ok_or_else(|| {
        (
            format!("标准 {} 中没有条款 {id}", standard.id),
            format!("standard {} has no clause {id}", standard.id),
        )
    })?;
    if clause.veto {
        return read_veto(value);
    }
    match value {
        Value::Bool(b) => Ok(Answer::met(*b)),
        Value::Number(_) | Value::String(_) => {
            if let Value::String(s) = value
                && let Some(b) = yes_no(s)
            {
                return Ok(Answer::met(b));
            }
            match number_of(value) {
                Some(Ok(n)) => Ok(Answer::number(n)),
                Some(Err(_)) if value.is_number() || looks_numeric(value) => Err((
                    format!("数字 {value} 最多只能有两位小数"),
                    format!("{value}: numbers may have at most two decimals"),
                )),
                _ => Err((
                    format!("无法理解的结果 {value}（应是 true/false 或数字）"),
                    format!("cannot read {value} (expected true/false or a number)"),
                )),
            }
        }
        Value::Object(map) => {
            let mut answer = Answer::default();
            for (k, v) in map {
                match k.as_str() {
                    "met" => {
                        answer.met = Some(v.as_bool().ok_or_else(|| {
                            (
                                "met 应是 true 或 false".to_string(),
                                "met must be true or false".to_string(),
                            )
                        })?)
                    }
                    "points" | "value" | "rate" => match number_of(v) {
                        Some(Ok(n)) => answer.number = Some(n),
                        _ => {
                            return Err((
                                format!("{k} 应是数字（最多两位小数），不是 {v}"),
                                format!("{k} must be a number with at most two decimals, not {v}"),
                            ));
                        }
                    },
                    "note" => answer.note = v.as_str().map(str::to_string),
                    other => {
                        return Err((
                            format!("未知的字段 {other}（可用：met, points, value, rate, note）"),
                            format!("unknown field {other} (use met, points, value, rate, note)"),
                        ));
                    }
                }
            }
            Ok(answer)
        }
        other => Err((
            format!("无法理解的结果 {other}"),
            format!("cannot read {other}"),
        )),
    }
}

fn read_veto(value: &Value) -> Result<Answer, Message> {
    let Value::Object(map) = value else {
        return Err((
            "一票否决项请写成 { vetoed = true, reason = \"…\" } 或 { vetoed = false }".into(),
            "write a veto item as { vetoed = true, reason = \"…\" } or { vetoed = false }".into(),
        ));
    };
    if let Some(k) = map
        .keys()
        .find(|k| !["vetoed", "reason", "note"].contains(&k.as_str()))
    {
        return Err((
            format!("一票否决项只接受 vetoed 和 reason，不接受 {k}"),
            format!("a veto item takes vetoed and reason, not {k}"),
        ));
    }
    let vetoed = map.get("vetoed").and_then(Value::as_bool).ok_or_else(|| {
        (
            "一票否决项须写 vetoed = true（触发）或 false（未触发）".to_string(),
            "a veto item needs vetoed = true (applies) or false".to_string(),
        )
    })?;
    let reason = map
        .get("reason")
        .or_else(|| map.get("note"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Answer {
        met: Some(!vetoed),
        number: None,
        note: reason,
    })
}
