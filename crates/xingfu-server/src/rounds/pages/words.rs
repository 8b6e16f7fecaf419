//! The rounds pages' own texts (next steps, confirmations, approval and 退回, opening a round).

crate::word_table! {
    /// Texts of the round workflow pages.
    Words, words {
        next_heading: "下一步" / "What happens next",
        done_declared: "已申报。" / "Declared.",
        done_checked: "资格审查已办理。" / "The eligibility check is recorded.",
        done_computed: "得分已计算。" / "The result is computed.",
        done_approved: "已审批通过。" / "Approved.",
        done_sent_back: "已退回重新评分\u{ff0c}审批意见已记录。" / "Sent back for scoring; the approval note is recorded.",
        done_published: "已公示。" / "Published.",
        done_named: "已命名。" / "Named.",
        done_opened: "评选年度已开设。" / "The round is open.",
        done_objected: "异议已提交\u{ff0c}将由审批该结果的层级处理。" / "Your objection is lodged; the level that decides the result will decide it.",
        done_decided: "异议处理意见已记录。" / "The decision on the objection is recorded.",
        send_back_heading: "退回重新评分" / "Send back for scoring",
        send_back_label: "审批意见\u{ff08}必填\u{ff1b}社区可见\u{ff0c}并记入变更记录\u{ff09}" / "Approval note (required; the community sees it and it is kept in the change log)",
        send_back: "退回" / "Send back",
        return_note: "审批意见\u{ff08}退回\u{ff09}" / "Approval note (sent back)",
        category: "类别" / "Category",
        pick: "选择" / "Pick",
        approve_picked: "审批通过所选社区" / "Approve the ticked communities",
        batch_hint: "勾选要审批通过的社区\u{ff0c}再按下方按钮\u{ff1b}每个社区仍按同样的规则逐一核对。要退回的\u{ff0c}请打开该社区的页面。" / "Tick the communities to approve, then press the button below; each is still checked by the same rules. To send one back, open its page.",
        other_levels: "其他层级待审批" / "Waiting for other levels",
        objections_open: "异议待处理" / "objections to decide",
        how_to_object: "对以上公示结果有异议的\u{ff0c}请在公示期内登录本平台\u{ff0c}在该社区的页面提交异议\u{ff0c}写明该结果哪里有问题\u{3001}依据是什么。" / "To object to a result above, sign in to the platform before its objection period ends and lodge the objection on the community's page, saying what is wrong with the result and how you know.",
        open_round: "开设评选年度" / "Open a round",
        open_round_hint: "开设后\u{ff0c}辖区内的社区即可申报。填写样本量即同时开启居民满意度调查\u{ff1b}不填的\u{ff0c}可以以后在评选年度页面的\u{201c}居民满意度调查\u{201d}中设置。截止日期当天结束后不再收取答卷\u{ff1b}不填则收取到各社区评分结果计算为止。" / "Once open, communities in the area can declare. A sample size opens the resident survey with the round; left empty, the survey can be set up later under \u{201c}Resident survey\u{201d} on the round's page. Answers are taken until the end of the closing day; without one, until each community's result is computed.",
        objection_days: "公示期\u{ff08}天\u{ff09}" / "Objection period (days)",
        survey_quota: "居民满意度调查\u{ff1a}每个社区至少需要的有效样本\u{ff08}户\u{ff0c}可不填\u{ff09}" / "Resident survey: households each community needs (optional)",
        survey_closes_on: "居民满意度调查截止日期\u{ff08}年-月-日\u{ff0c}可不填\u{ff09}" / "Resident survey closing day (year-month-day, optional)",
        area: "评选范围" / "Area",
        veto_question: "是否符合此项要求\u{ff1f}" / "Is this requirement met?",
        veto_met: "符合" / "Met",
        veto_unmet: "不符合\u{ff08}一票否决\u{ff09}" / "Not met (the one-vote veto applies)",
        to_approvals: "去审批队列" / "Go to the approval queue",
        to_publication: "去公示名单" / "Go to the publication list",
        not_approved: "以下社区未审批\u{ff0c}其记录保持不变\u{ff1a}" / "These were not approved and are unchanged:",
        change_log: "变更记录" / "Change log",
    }
}

/// The confirmation a page shows after a form's redirect (`?done=approved`), for the keys the
/// round's forms send.
pub fn done_message(lang: crate::i18n::Lang, key: &str) -> Option<&'static str> {
    let w = words(lang);
    Some(match key {
        "declared" => w.done_declared,
        "check" => w.done_checked,
        "compute" => w.done_computed,
        "approve" => w.done_approved,
        "send_back" => w.done_sent_back,
        "publish" => w.done_published,
        "name" => w.done_named,
        "opened" => w.done_opened,
        "objected" => w.done_objected,
        "decided" => w.done_decided,
        _ => return None,
    })
}
