//! The survey pages' words in Simplified Chinese and English.

use crate::i18n::Lang;

/// Declares a table of page words: the struct, its Chinese and English values, and `words`.
macro_rules! word_table {
    ($(#[$doc:meta])* $table:ident, $words:ident { $($field:ident: $zh:literal / $en:literal,)* }) => {
        $(#[$doc])*
        pub struct $table { $(pub $field: &'static str,)* }

        /// The words in `lang`.
        pub fn $words(lang: Lang) -> &'static $table {
            static ZH: $table = $table { $($field: $zh,)* };
            static EN: $table = $table { $($field: $en,)* };
            if lang.is_en() { &EN } else { &ZH }
        }
    };
}
pub(crate) use word_table;

word_table! {
    /// One language's words for the survey pages.
    Words, words {
        next: "下一题" / "Next question",
        back: "上一题" / "Previous question",
        submit: "提交问卷" / "Send my answers",
        start_again: "重新填写问卷" / "Fill in the questionnaire again",
        question_of: "第 {n} 题,共 {total} 题" / "Question {n} of {total}",
        household_heading: "最后一步:确认住户" / "Last step: your household",
        household_why: "为保证每户只填写一次,请填写您的手机号码。号码只用于核对,不会保存号码本身,也不会用来联系您。" / "So that each household answers once, please give your mobile number. It is only used to check this; the number itself is not kept and nobody will call you.",
        household_staff: "填写受访住户的手机号码;没有手机的填写户号。号码只保存加密后的核对值。" / "The household's mobile number, or its household number when it has no phone. Only a keyed hash is kept.",
        phone: "手机号码" / "Mobile number",
        code: "或者:户号(没有手机时填写)" / "Or: household number (if you have no mobile phone)",
        code_hint: "例如:3栋2单元501" / "For example: Building 3, Unit 2, Flat 501",
        review: "您的回答" / "Your answers",
        not_answered: "未回答" / "not answered",
        answer_this: "请选择一项" / "Please choose one answer",
        text_hint: "可以不填。" / "You may leave this empty.",
        thanks_heading: "谢谢您!" / "Thank you!",
        thanks: "您的问卷已经提交成功。感谢您对社区工作的支持!" / "Your answers have been sent. Thank you for helping your community.",
        thanks_checked: "您的问卷已经收到\u{3002}工作人员核对后计入调查结果\u{ff0c}您不需要再做什么\u{3002}感谢您对社区工作的支持\u{ff01}" / "We have received your answers. Staff will check them before they are counted in the results; there is nothing more you need to do. Thank you for helping your community.",
        refused_heading: "问卷没有提交" / "Your answers were not sent",
        closed_heading: "调查已经结束" / "The survey has ended",
        closed: "本社区本年度的评分已经完成,问卷不再收取。谢谢您的关心!" / "This year's rating of your community is finished, so the survey takes no more answers. Thank you!",
        no_link_heading: "问卷链接无效" / "This link does not work",
        no_link_text: "这个问卷链接不存在。请扫描社区张贴的二维码,或向社区工作人员索取链接。" / "This questionnaire link does not exist. Please scan the QR code on your community's poster, or ask community staff for the link.",
        not_started: "本次调查还没有开始,请稍后再来。" / "This survey has not started yet. Please come back later.",
        last_step: "最后一步" / "Last step",
        back_to_results: "返回调查结果" / "Back to the survey results",
        back_to_round: "返回评选年度" / "Back to the round",
        enter_heading: "录入问卷(电话、纸质、入户)" / "Enter answers (phone, paper, home visit)",
        channel: "调查方式" / "How the answers were collected",
        choose_channel: "请选择调查方式" / "Choose how the answers were collected",
        location_heading: "位置(选填)" / "Location (optional)",
        location_hint: "入户走访时可填写所在位置的经纬度(WGS-84,手机定位即是),用于核对答卷是否来自本社区。" / "On a home visit you may give the latitude and longitude (WGS-84, as phones report them), to check that answers come from the community.",
        lat: "纬度" / "Latitude",
        lon: "经度" / "Longitude",
        bad_location: "纬度须在 -90 到 90 之间、经度须在 -180 到 180 之间,两项都填或都不填" / "Latitude must be between -90 and 90 and longitude between -180 and 180; give both or neither",
        save_answer: "保存这份答卷" / "Save these answers",
        saved: "已录入一份答卷。可以继续录入下一份。" / "One household's answers were saved. You can enter the next.",
        saved_again: "这份答卷已经录入过,没有重复计数。" / "These answers had been saved already; they were not counted again.",
        saved_held: "已录入一份答卷\u{ff0c}它触发了异常提示\u{ff0c}待区级工作人员核实后再计入结果\u{3002}" / "The answers were saved. They tripped a fraud signal, so they are held until a district officer checks them.",
        results_heading: "满意度调查" / "Satisfaction survey",
        settings_heading: "调查设置" / "Survey settings",
        questionnaire: "问卷" / "Questionnaire",
        quota: "样本量要求" / "Sample size required",
        updated: "最近修改" / "Last changed",
        no_survey: "本评选年度还没有设置满意度调查。" / "This round has no satisfaction survey yet.",
        quota_label: "每个社区至少需要的有效样本(户)" / "Households each community needs at least",
        quota_hint: "某个维度的有效样本少于这个数时,该维度不计分,对应条款显示“未评估”。" / "A dimension with fewer households than this is not scored; its clauses show as not assessed.",
        bad_quota: "样本量须是 0 到 100000 之间的整数" / "The sample size must be a whole number between 0 and 100000",
        save_settings: "保存设置" / "Save the settings",
        open_survey: "开始调查" / "Start the survey",
        settings_saved: "调查设置已保存。" / "The survey settings were saved.",
        export: "下载 Excel" / "Download Excel",
        fraud_link: "异常提示" / "Fraud signals",
        enter_link: "录入电话、纸质、入户问卷" / "Enter phone, paper and home-visit answers",
        link_heading: "居民填写链接" / "Residents' link",
        link_intro: "居民用手机打开这个链接或扫描海报上的二维码填写问卷,不需要注册账号。" / "Residents open this link on their phone, or scan the QR code on the poster; no account is needed.",
        poster: "打印二维码海报(A4)" / "Print the QR-code poster (A4)",
        make_link: "生成居民填写链接" / "Make the residents' link",
        no_link: "本社区还没有居民填写链接。" / "This community has no residents' link yet.",
        summary_heading: "概况" / "Summary",
        respondents: "答卷(户)" / "Households answered",
        overall: "总体满意率" / "Overall satisfaction",
        overall_note: "所有维度的回答合计,只作展示,不参与计分" / "All dimensions' answers pooled; shown only, never scored",
        survey_points: "调查得分" / "Survey points",
        channels: "答卷来源" / "How answers came in",
        dimensions_heading: "各维度满意率" / "Satisfaction by dimension",
        chart_caption: "图:各维度满意率(横线为 95% 置信区间,竖虚线为标准门槛)。数字见下表。" / "Chart: satisfaction by dimension (whiskers: 95% confidence interval; dashed line: the standard's threshold). The numbers are in the table below.",
        dimensions_table: "各维度满意率(与上图数字相同)" / "Satisfaction by dimension (the chart's numbers)",
        dimension: "维度" / "Dimension",
        sample: "有效样本(户)" / "Sample (households)",
        satisfied_of_counted: "满意 / 有效回答" / "Satisfied / counted",
        not_counted: "不了解" / "Don't know",
        rate: "满意率" / "Rate",
        interval: "95% 置信区间" / "95% confidence interval",
        standard_check: "标准条款" / "Standard's clauses",
        questions_heading: "各题回答" / "Answers by question",
        answer: "回答" / "Answer",
        count: "份数" / "Count",
        share: "占比" / "Share",
        bar: "图示" / "Bar",
        communities_heading: "各社区" / "Communities",
        fraud_heading: "异常提示" / "Fraud signals",
        fraud_intro: "触发以下提示的答卷待核实\u{ff1a}核实前不计入结果和评分\u{ff0c}区级工作人员在\u{201c}待核实\u{201d}列表中逐份或成批计入或不予计入\u{3002}" / "Answers that trip these signals are held: they count towards neither the results nor the rating until a district officer accepts them (or rejects them) in the review list.",
        too_many: "答卷太多,请选择一个街道或社区查看。" / "Too many answers: choose a street or a community.",
        no_answers: "还没有答卷。" / "No answers yet.",
        answers_unit: "份答卷" / "answers",
        bursts: "同一来源集中提交" / "Bursts from one source",
        patterns: "答案完全相同" / "Identical answer patterns",
        outside: "不在社区范围内" / "Outside the community",
        source: "来源(加密)" / "Source (hashed)",
        pattern: "答案" / "Answers",
        from: "开始" / "From",
        to: "结束" / "To",
        area_heading: "社区范围(圆形)" / "Community area (circle)",
        area_hint: "中心点经纬度(WGS-84)和半径(米),用于判断带定位的答卷是否在社区范围内。" / "Centre latitude and longitude (WGS-84) and radius in metres, to check located answers.",
        radius: "半径(米)" / "Radius (metres)",
        save_area: "保存社区范围" / "Save the area",
        area_saved: "社区范围已保存。" / "The community area was saved.",
        poster_call: "请用手机扫描二维码填写问卷" / "Scan the QR code with your phone to answer",
        poster_qr: "问卷二维码" / "QR code of the questionnaire",
        print_hint: "请使用浏览器的“打印”功能,纸张选 A4。" / "Use your browser's Print command, on A4 paper.",
    }
}
