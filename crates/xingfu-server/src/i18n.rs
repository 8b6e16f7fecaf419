//! Page texts in Simplified Chinese (default) and English. The language is a cookie the user
//! sets from any page; nothing else depends on the browser.

use axum_extra::extract::CookieJar;

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
    login_throttled: "登录失败次数过多,请 15 分钟后再试。" / "Too many failed sign-ins: try again in 15 minutes.",
    form_expired: "页面已过期,请重新提交。" / "The page has expired: please submit it again.",
    errors_title: "请修改以下问题:" / "There is a problem:",
    signed_in_as: "当前用户" / "Signed in as",
    rounds: "评选年度" / "Rating rounds",
    round: "评选年度" / "Round",
    year: "年度" / "Year",
    region: "范围" / "Area",
    standard: "评价标准" / "Standard",
    communities: "社区" / "Communities",
    community: "社区" / "Community",
    street: "街道" / "Street",
    stage: "进度" / "Stage",
    total: "总分" / "Total",
    share: "完成比例" / "Share completed",
    star: "星级" / "Star",
    last_year: "上年星级" / "Last year",
    decision: "复评结论" / "Decision",
    reward: "奖励(元)" / "Reward (CNY)",
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
    points_short: "还差(分)" / "Points short",
    fix_first: "建议整改(从易到难)" / "Fix first (cheapest first)",
    disagreements: "评审员意见分歧" / "Where assessors disagree",
    assessors: "评审员" / "Assessors",
    not_found: "没有找到该页面。" / "Page not found.",
    forbidden: "您没有权限查看或修改这项内容。" / "You do not have permission for this.",
    server_error: "系统出错,您的操作没有保存。请稍后重试。" / "Something went wrong and nothing was saved. Please try again later.",
    stars_word: "星" / "star",
    no_star: "未评星" / "no star",
    not_computed: "尚未计算" / "not computed yet",
    summary: "汇总" / "Summary",
}
