//! Page texts in Simplified Chinese (default) and English. The language is a cookie the user
//! sets from any page; nothing else depends on the browser.

use axum_extra::extract::CookieJar;

pub mod workflow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_jar(jar: &CookieJar) -> Lang {
        match jar.get("lang").map(|c| c.value()) {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_en() { en } else { zh }
    }

    /// The colon between a label and its value: full-width in Chinese, ": " in English.
    pub fn colon(self) -> &'static str {
        self.pick("\u{ff1a}", ": ")
    }

    /// The semicolon between two parts of a line: full-width in Chinese, "; " in English.
    pub fn semicolon(self) -> &'static str {
        self.pick("\u{ff1b}", "; ")
    }

    /// The bracket that opens an aside after a name: full-width in Chinese, " (" in English.
    pub fn open(self) -> &'static str {
        self.pick("\u{ff08}", " (")
    }

    /// The bracket that closes an aside: full-width in Chinese, ")" in English.
    pub fn close(self) -> &'static str {
        self.pick("\u{ff09}", ")")
    }

    /// Picks between two texts made at run time (a message with figures in it).
    pub fn text(self, zh: impl Into<String>, en: impl Into<String>) -> String {
        if self.is_en() { en.into() } else { zh.into() }
    }
}

/// One table of fixed texts in both languages: a struct with a field per text and a function
/// giving the table for a language. Each feature keeps its page texts in such tables.
///
/// ```ignore
/// crate::word_table! {
///     /// Fixed texts of the grid map page.
///     Words, words {
///         title: "网格地图" / "Grid map",
///     }
/// }
/// let w = words(lang);
/// ```
#[macro_export]
macro_rules! word_table {
    ($(#[$doc:meta])* $table:ident, $words:ident { $($field:ident: $zh:literal / $en:literal,)* }) => {
        $(#[$doc])*
        pub struct $table { $(pub $field: &'static str,)* }

        /// The table in `lang`.
        pub fn $words(lang: $crate::i18n::Lang) -> &'static $table {
            static ZH: $table = $table { $($field: $zh,)* };
            static EN: $table = $table { $($field: $en,)* };
            if lang.is_en() { &EN } else { &ZH }
        }
    };
}

macro_rules! texts {
    ($($field:ident: $zh:literal / $en:literal,)*) => {
        /// Every fixed text of the pages.
        pub struct Texts { $(pub $field: &'static str,)* }
        pub static ZH: Texts = Texts { $($field: $zh,)* };
        pub static EN: Texts = Texts { $($field: $en,)* };
    };
}

texts! {
    app_name: "幸福社区创建评价平台" / "Xingfu — Happy Community ratings",
    skip_to_content: "跳到正文" / "Skip to content",
    other_language: "English" / "中文",
    large_text: "大字版" / "Large text",
    normal_text: "标准字号" / "Normal text",
    login: "登录" / "Sign in",
    logout: "退出登录" / "Sign out",
    username: "用户名" / "User name",
    password: "密码" / "Password",
    login_failed: "用户名或密码不正确。" / "The user name or password is not correct.",
    login_throttled: "登录失败次数过多，请 15 分钟后再试。" / "Too many failed sign-ins: try again in 15 minutes.",
    form_expired: "页面已过期，请重新提交。" / "The page has expired: please submit it again.",
    errors_title: "请修改以下问题：" / "There is a problem:",
    signed_in_as: "当前用户" / "Signed in as",
    nav_workbench: "工作台" / "Workbench",
    rounds: "评选年度" / "Rating rounds",
    round: "评选年度" / "Round",
    year: "年度" / "Year",
    region: "范围" / "Area",
    standard: "评价标准" / "Standard",
    nav_standards: "评价标准" / "Standards",
    nav_overview: "一张图" / "At a glance",
    communities: "社区" / "Communities",
    community: "社区" / "Community",
    street: "街道" / "Street",
    stage: "进度" / "Stage",
    total: "总分" / "Total",
    share: "完成比例" / "Share completed",
    star: "星级" / "Star",
    last_year: "上年星级" / "Last year",
    decision: "复评结论" / "Decision",
    reward: "奖励（元）" / "Reward (CNY)",
    no_rounds: "您的管辖范围内还没有评选年度。" / "There are no rounds in your area yet.",
    no_entries: "还没有社区申报。" / "No community has declared yet.",
    open: "查看" / "Open",
    back: "返回" / "Back",
    score_card: "评分卡" / "Score card",
    by_category: "分类得分" / "Points by category",
    history: "历年评定" / "History",
    audit_trail: "变更记录" / "Change log",
    when: "时间" / "When",
    who: "操作人" / "Who",
    action: "操作" / "Action",
    before: "变更前" / "Before",
    after: "变更后" / "After",
    veto: "一票否决" / "Veto",
    none: "无" / "none",
    next_star: "升星差距" / "Gap to the next star",
    points_short: "还差（分）" / "Points short",
    fix_first: "建议整改（从易到难）" / "Fix first (cheapest first)",
    disagreements: "评审员意见分歧" / "Where assessors disagree",
    assessors: "评审员" / "Assessors",
    not_found: "没有找到该页面。" / "Page not found.",
    forbidden: "您没有权限查看或修改这项内容。" / "You do not have permission for this.",
    server_error: "系统出错，您的操作没有保存。请稍后重试。" / "Something went wrong and nothing was saved. Please try again later.",
    stars_word: "星" / "star",
    no_star: "未评星" / "no star",
    not_computed: "尚未计算" / "not computed yet",
    summary: "汇总" / "Summary",
    // The round's workflow pages: sheet, actions, queues, rectifications, rewards.
    wf_workflow_pages: "评选工作" / "Round work",
    wf_actions: "办理" / "Actions",
    wf_no_actions: "当前阶段您没有需要办理的事项。" / "There is nothing for you to do at this stage.",
    wf_declare: "申报" / "Declare",
    wf_declare_heading: "社区申报" / "Declare a community",
    wf_declare_pick: "尚未申报的社区" / "Community that has not declared yet",
    wf_declare_none: "您管辖范围内的社区都已申报。" / "Every community in your area has declared.",
    wf_declare_find: "查找社区（社区或街道名称、代码）" / "Find a community (community or street name, or code)",
    wf_declare_search: "查找" / "Search",
    wf_declare_more: "只列出了前 30 个尚未申报的社区。请在上面输入名称查找。" / "Only the first 30 communities that have not declared are listed. Type a name above to find others.",
    wf_declare_nothing_found: "没有找到符合条件且尚未申报的社区。请换个名称再试。" / "No community that has not declared matches. Try another name.",
    wf_choose: "请选择" / "Choose one",
    wf_check: "资格审查" / "Check eligibility",
    wf_compute: "计算得分" / "Compute the score",
    wf_recompute: "重新计算得分" / "Compute the score again",
    wf_approve: "审批通过" / "Approve",
    wf_publish: "公示" / "Publish",
    wf_name: "命名" / "Name",
    wf_self_sheet: "自评表" / "Self-assessment",
    wf_score_sheet: "评分表" / "Scoring sheet",
    wf_fill_self: "填写自评表" / "Fill in the self-assessment",
    wf_fill_score: "填写评分表" / "Fill in the scoring sheet",
    wf_sheet_readonly: "当前阶段不能修改此表，以下是已保存的内容。" / "This sheet cannot be changed at this stage; it shows what was saved.",
    wf_nothing_saved: "本次提交的内容都没有保存，请修改后再提交。" / "Nothing from this form was saved: correct it and submit again.",
    wf_clause: "条款" / "Clause",
    wf_points: "分值" / "Points",
    wf_answer: "评分" / "Answer",
    wf_note: "说明" / "Note",
    wf_evidence: "佐证材料" / "Evidence",
    wf_methods: "测评方法" / "Methods",
    wf_is_met: "是否达标" / "Is it met?",
    wf_met: "达标" / "Met",
    wf_unmet: "未达标" / "Not met",
    wf_unassessed: "未评" / "Not assessed",
    wf_veto_question: "是否触发一票否决" / "Does the one-vote veto apply?",
    wf_yes: "是" / "Yes",
    wf_no: "否" / "No",
    wf_not_answered: "未填" / "Not answered",
    wf_veto_reason: "原因" / "Reason",
    wf_save: "保存" / "Save",
    wf_approvals: "审批队列" / "Approval queue",
    wf_approvals_intro: "以下社区已计算得分，由您审批。" / "These communities are computed and wait for your approval.",
    wf_no_approvals: "目前没有待您审批的社区。" / "Nothing is waiting for your approval.",
    wf_publication: "公示名单" / "Publication list",
    wf_to_publish: "已审批，待公示" / "Approved, to be published",
    wf_published_list: "公示与命名" / "Published and named",
    wf_none_published: "还没有社区进入公示。" / "No community has been published yet.",
    wf_published_at: "公示时间" / "Published",
    wf_objection_until: "公示期至" / "Objections until",
    wf_naming: "命名" / "Naming",
    wf_named: "已命名" / "Named",
    wf_not_named_yet: "公示期满，待命名" / "Objection period over, not named yet",
    wf_in_objection_period: "公示期内" / "In the objection period",
    wf_rectifications: "整改任务" / "Rectification tasks",
    wf_open_tasks: "开立整改任务" / "Open rectification tasks",
    wf_unmet_clauses: "未得满分的条款" / "Clauses short of full points",
    wf_tasks_open: "已开立整改任务" / "Tasks already open",
    wf_no_tasks: "您管辖范围内没有整改任务。" / "There are no rectification tasks in your area.",
    wf_owner: "责任单位" / "Owner",
    wf_deadline: "整改期限" / "Deadline",
    wf_overdue: "已逾期" / "overdue",
    wf_status: "状态" / "Status",
    wf_report: "整改情况" / "Report",
    wf_submit_report: "提交整改情况" / "Submit the report",
    wf_verify: "验收通过" / "Verify",
    wf_reopen: "退回重改" / "Send back",
    wf_rewards: "奖励与目标" / "Rewards and targets",
    wf_rewards_intro: "按已评定的社区统计（含资格审查未通过的社区，计为未评星）。" / "Counted over the communities rated so far (a community refused at the eligibility check counts as no star).",
    wf_pending: "尚未评定的社区" / "Communities not rated yet",
    wf_rated: "已评定社区" / "Rated",
    wf_star_counts: "各星级社区数" / "Communities per star",
    wf_targets: "目标进度" / "Progress against the targets",
    wf_no_targets: "该评价标准没有规定目标。" / "The standard sets no targets.",
    wf_budget: "奖励资金分担" / "Who pays the rewards",
    wf_budget_by_unit: "各级应承担的奖励资金（元）" / "What each level owes (CNY)",
    wf_budget_total: "合计" / "Total",
    wf_round_budget: "本年度奖励资金合计（元）" / "The round's reward budget (CNY)",
    wf_no_rewards: "该评价标准没有规定奖励。" / "The standard sets no rewards.",
    wf_level: "层级" / "Level",
}
