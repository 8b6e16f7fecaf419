//! The round workflow's "what happens next" sentence: the core says who acts next at each
//! stage ([`xingfu_core::workflow::next_step`]); this writes it in the person's language with
//! the units' names ("已提交申报，等待五马街道资格审查").

use xingfu_core::workflow::{Next, NextStep};

use super::Lang;

/// The names the sentence needs: the unit that acts (its name, e.g. 五马街道), the unit that
/// acts after the current step (for scoring and 公示), and when the objection period ends.
#[derive(Debug, Clone, Default)]
pub struct Units<'a> {
    pub acting: &'a str,
    pub then: &'a str,
    pub until: &'a str,
}

/// What happens next to an entry and who does it, as one sentence.
pub fn next_step_sentence(lang: Lang, step: NextStep, units: &Units<'_>) -> String {
    let Units {
        acting,
        then,
        until,
    } = units;
    match step.next {
        Next::CheckEligibility => lang.text(
            format!("已提交申报\u{ff0c}等待{acting}资格审查。"),
            format!("Declared; waiting for {acting} to check eligibility."),
        ),
        Next::Score { .. } => lang.text(
            format!("资格审查已通过\u{ff0c}等待评审员评分\u{ff1b}评分完成后由{then}计算得分。"),
            format!(
                "Eligible; waiting for the assessors to score. {then} then computes the result."
            ),
        ),
        Next::Approve => lang.text(
            format!("得分已计算\u{ff0c}等待{acting}审批。"),
            format!("Computed; waiting for {acting} to approve."),
        ),
        Next::Publish => lang.text(
            format!("已审批\u{ff0c}等待{acting}公示。"),
            format!("Approved; waiting for {acting} to publish it."),
        ),
        Next::Objections { .. } => lang.text(
            format!("公示中\u{ff0c}异议受理至{until}\u{ff1b}期满且异议处理完毕后由{then}命名。"),
            format!(
                "Published; objections are taken until {until}. Then {then} names it once every objection is decided."
            ),
        ),
        Next::Name => lang.text(
            format!("公示期已满\u{ff0c}等待{acting}命名。"),
            format!("The objection period is over; waiting for {acting} to name it."),
        ),
        Next::Refused => lang.text(
            "资格审查未通过\u{ff08}一票否决\u{ff09}\u{ff0c}本年度不再评审\u{ff0c}无需再办理。",
            "Refused at the eligibility check (a veto item applies): not rated this round; nothing more is to be done.",
        ),
        Next::Done => lang.text(
            "已命名\u{ff0c}本年度评选已结束\u{ff0c}无需再办理。",
            "Named: this round's work is finished; nothing more is to be done.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use xingfu_core::standard::GovLevel;
    use xingfu_core::workflow::{Stage, next_step};

    use super::*;

    fn sentence(lang: Lang, stage: Stage, over: bool) -> String {
        let units = Units {
            acting: if lang.is_en() {
                "Wuma street"
            } else {
                "五马街道"
            },
            then: if lang.is_en() { "Wenzhou" } else { "温州市" },
            until: "2026年12月9日 14:30",
        };
        let step = next_step(stage, GovLevel::City, over);
        next_step_sentence(lang, step, &units)
    }

    #[test]
    fn each_stage_says_what_happens_next_and_who_does_it() {
        let zh = |stage, over| sentence(Lang::Zh, stage, over);
        assert_eq!(
            zh(Stage::Declared, false),
            "已提交申报\u{ff0c}等待五马街道资格审查。"
        );
        assert_eq!(
            zh(Stage::Scoring, false),
            "资格审查已通过\u{ff0c}等待评审员评分\u{ff1b}评分完成后由温州市计算得分。"
        );
        assert_eq!(
            zh(Stage::Computed, false),
            "得分已计算\u{ff0c}等待五马街道审批。"
        );
        assert_eq!(
            zh(Stage::Approved, false),
            "已审批\u{ff0c}等待五马街道公示。"
        );
        assert_eq!(
            zh(Stage::Published, false),
            "公示中\u{ff0c}异议受理至2026年12月9日 14:30\u{ff1b}期满且异议处理完毕后由温州市命名。"
        );
        assert_eq!(
            zh(Stage::Published, true),
            "公示期已满\u{ff0c}等待五马街道命名。"
        );
        assert_eq!(
            zh(Stage::Refused, false),
            "资格审查未通过\u{ff08}一票否决\u{ff09}\u{ff0c}本年度不再评审\u{ff0c}无需再办理。"
        );
        assert_eq!(
            zh(Stage::Named, false),
            "已命名\u{ff0c}本年度评选已结束\u{ff0c}无需再办理。"
        );
        assert_eq!(
            sentence(Lang::En, Stage::Declared, false),
            "Declared; waiting for Wuma street to check eligibility."
        );
        // No ASCII punctuation beside Chinese characters in any sentence.
        for stage in Stage::ALL {
            for over in [false, true] {
                let text = zh(stage, over).replace("14:30", "");
                assert!(
                    !text.contains([',', ';', ':', '(', ')', '?', '!']),
                    "{text}"
                );
            }
        }
    }
}
