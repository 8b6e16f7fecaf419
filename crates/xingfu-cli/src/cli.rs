//! Command-line arguments. Help texts are in Chinese and English.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// 幸福社区创建评价工具 / Xingfu: Happy Community rating
///
/// 检查评价标准、为社区评分、评定整个年度的星级、奖励与目标进度。
/// Check evaluation standards, score a community, rate a whole year's round with rewards and targets.
///
/// 例 / Examples:
///   xingfu standard list
///   xingfu score --standard lucheng-2012 --input examples/lucheng/wuma-2013.toml
///   xingfu rate --standard lucheng-2012 --input examples/lucheng/round-2013.csv --xlsx result.xlsx
#[derive(Parser, Debug)]
#[command(name = "xingfu", version, verbatim_doc_comment)]
pub struct Cli {
    /// 输出语言：zh（中文，默认）或 en / Output language: zh (default) or en
    #[arg(
        long,
        global = true,
        value_enum,
        env = "XINGFU_LANG",
        default_value = "zh"
    )]
    pub lang: Lang,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn english(&self) -> bool {
        self.lang == Lang::En
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 评价标准：列出、检查、查看 / Evaluation standards: list, check, show
    #[command(subcommand)]
    Standard(StandardCommand),

    /// 为一个社区评分：总分、星级、一票否决、升星差距 / Score one community: total, star, veto, gap to the next star
    Score(ScoreArgs),

    /// 评定整个年度：复评、奖励与分担、目标进度 / Rate a year's round: re-review, rewards and cost sharing, targets
    Rate(RateArgs),

    /// 启动服务器（默认 SQLite 与演示数据） / Run the server (SQLite and the demo data by default)
    Serve(ServeArgs),

    /// 导入数据 / Import data
    #[command(subcommand)]
    Import(ImportCommand),

    /// 15 分钟服务圈：覆盖率、选址建议、导出路网 / The 15-minute service circle: coverage, siting, graph export
    #[command(subcommand)]
    Circle(CircleCommand),

    /// 审计日志：核验整条签名链 / The audit log: verify the whole keyed chain
    #[command(subcommand)]
    Audit(AuditCommand),

    /// 性能测试 / Benchmarks
    #[command(subcommand)]
    Bench(BenchCommand),

    /// 把内置的公文模板写到一个文件夹，供修改后以 serve --templates 启用 / Write the built-in document templates to a folder, to edit and use with serve --templates
    Templates {
        /// 目标文件夹（已有同名文件时不覆盖） / Folder to write to (existing files are not overwritten)
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// 核验审计日志的每一条记录：完整时退出码为 0，否则指出第一条断开的记录 / Verify every row of the audit log: exit 0 when intact, else name the first broken row
    Verify {
        /// 数据库 / Database URL
        #[arg(
            long,
            env = "XINGFU_DATABASE_URL",
            default_value = "sqlite://xingfu-data/xingfu.db"
        )]
        database: String,

        /// 数据目录（默认密钥文件 audit.key 所在） / Data folder (where the default key file audit.key is)
        #[arg(long, env = "XINGFU_DATA_DIR", default_value = "xingfu-data")]
        data_dir: PathBuf,

        #[command(flatten)]
        key: AuditKeyArgs,
    },
}

/// Where the audit key comes from: `XINGFU_AUDIT_KEY` (the key itself, hex), else this file,
/// else `DATA_DIR/audit.key`.
#[derive(Args, Debug)]
pub struct AuditKeyArgs {
    /// 审计密钥文件（默认 数据目录/audit.key；或在环境变量 XINGFU_AUDIT_KEY 中直接给出密钥） / Audit key file (default: DATA_DIR/audit.key; or the key itself in XINGFU_AUDIT_KEY)
    #[arg(long, env = "XINGFU_AUDIT_KEY_FILE", value_name = "FILE")]
    pub audit_key_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// 数据库：sqlite://文件 或 postgres://…（默认 数据目录/xingfu.db） / Database URL (default: DATA_DIR/xingfu.db)
    #[arg(long, env = "XINGFU_DATABASE_URL")]
    pub database: Option<String>,

    /// 数据目录（SQLite 文件、上传的证明材料） / Data folder (SQLite file, uploaded evidence)
    #[arg(long, env = "XINGFU_DATA_DIR", default_value = "xingfu-data")]
    pub data_dir: PathBuf,

    /// 监听地址 / Address to listen on
    #[arg(long, env = "XINGFU_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// PostgreSQL 流复制只读副本：一张图、公示与核验页面等可略有延迟的读取在副本跟上主库时由副本提供 / A PostgreSQL streaming replica: reads that may lag a little (the overview, public pages) are served from it while it keeps up with the primary
    #[arg(long, env = "XINGFU_DATABASE_REPLICA_URL")]
    pub database_replica: Option<String>,

    /// 请求等待数据库连接的最长时间（毫秒）；负载均衡部署中宜设短，数据库失联时进行中的请求即刻失败并由均衡器重试 / How long (ms) a request waits for a database connection; behind a load balancer set it short, so that when the database is lost requests in flight fail at once and are retried
    #[arg(long, env = "XINGFU_DATABASE_WAIT_MS", default_value_t = 30_000)]
    pub database_wait_ms: u64,

    /// 副本允许落后主库的最长时间（毫秒），超过即改读主库 / How far (ms) the replica may lag before reads go back to the primary
    #[arg(long, env = "XINGFU_REPLICA_MAX_LAG_MS", default_value_t = 5000)]
    pub replica_max_lag_ms: u64,

    /// 收到停止信号后先让 /health 报告停机、再等待的秒数（负载均衡器据此不再转发新请求），随后处理完进行中的请求再退出 / On SIGTERM or Ctrl-C: seconds /health reports draining before the server stops taking connections (so a load balancer stops sending new requests); in-flight requests then finish
    #[arg(long, env = "XINGFU_DRAIN_SECONDS", default_value_t = 0)]
    pub drain_seconds: u64,

    /// 本服务查看后台任务队列的间隔秒数（超时升级、提醒、通知发送、覆盖率重算）；0 表示本服务不运行后台任务（由其他服务运行） / Seconds between this server's looks at the job queue (the deadline sweep, reminders, notification delivery, coverage); 0: this server runs no jobs (others do)
    #[arg(long, env = "XINGFU_JOBS_EVERY_SECONDS", default_value_t = 2)]
    pub jobs_every_seconds: u64,

    /// 空库时不加载演示数据 / Do not load the demo data into an empty database
    #[arg(long)]
    pub no_demo: bool,

    /// 通过 HTTPS 访问时设置（Cookie 加 Secure） / Set when served over HTTPS (Secure cookies)
    #[arg(long, env = "XINGFU_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// 15 分钟服务圈的步行路网，也是各地图的底图（OpenStreetMap .osm.pbf） / Street network for the 15-minute circle, and every map's basemap (OpenStreetMap .osm.pbf)
    #[arg(long, env = "XINGFU_OSM", value_name = "FILE")]
    pub osm: Option<PathBuf>,

    /// 天地图密钥：各地图可切换到天地图底图 / 天地图 (Tianditu) key: every map can switch to its layers
    #[arg(long, env = "XINGFU_TIANDITU_KEY", value_name = "KEY")]
    pub tianditu_key: Option<String>,

    /// 公文模板文件夹：其中的文件（settings.toml、*.typ、公章图片、fonts/ 中的字体）逐个替换内置模板 / Folder of document templates: its files (settings.toml, *.typ, a seal image, fonts in fonts/) replace the built-in ones file by file
    #[arg(long, env = "XINGFU_TEMPLATES", value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// 发送通知邮件的 SMTP 服务器（smtp://主机:端口、smtps://…） / SMTP server for notification e-mail (smtp://host:port, smtps://…)
    #[arg(long, env = "XINGFU_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,

    /// 通知邮件的发件人 / Sender of notification e-mail, e.g. "Xingfu <noreply@example.gov.cn>"
    #[arg(long, env = "XINGFU_MAIL_FROM", value_name = "ADDRESS")]
    pub mail_from: Option<String>,

    /// 短信或微信网关的 Webhook 地址 / Webhook of the SMS or WeChat gateway
    #[arg(long, env = "XINGFU_WEBHOOK_URL", value_name = "URL")]
    pub webhook_url: Option<String>,

    /// Webhook 签名密钥（HMAC-SHA256） / Secret the webhook requests are signed with (HMAC-SHA256)
    #[arg(
        long,
        env = "XINGFU_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub webhook_secret: Option<String>,

    /// 本站的访问地址，用于邮件和短信中的链接 / The site's address, for links in e-mail and SMS
    #[arg(long, env = "XINGFU_SITE_URL", value_name = "URL")]
    pub site_url: Option<String>,

    #[command(flatten)]
    pub audit_key: AuditKeyArgs,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// 导入行政区划（CSV 或 JSON，统计用区划代码） / Import administrative divisions (CSV or JSON, NBS codes)
    Regions {
        /// 区划文件 / The division file
        file: PathBuf,
        /// 数据库 / Database URL
        #[arg(
            long,
            env = "XINGFU_DATABASE_URL",
            default_value = "sqlite://xingfu-data/xingfu.db"
        )]
        database: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum StandardCommand {
    /// 列出随附的标准 / List the standards shipped with Xingfu
    List,

    /// 检查标准文件，列出每个问题及其位置 / Check standard files and list every problem with its location
    Check {
        /// 标准文件（.toml）或随附标准的编号 / Standard files (.toml) or ids of shipped standards
        #[arg(required = true)]
        files: Vec<String>,
    },

    /// 查看一个标准：星级、审批、奖励、目标、解释说明 / Show a standard: stars, approval, rewards, targets, notes
    Show {
        /// 标准编号或文件 / Standard id or file
        standard: String,
    },
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// 标准编号（如 lucheng-2012）或标准文件 / Standard id (e.g. lucheng-2012) or file
    #[arg(long, short)]
    pub standard: String,

    /// 社区评估文件（.toml 或 .json），格式见 docs/assessment-format.md / Assessment file (.toml or .json)
    #[arg(long, short)]
    pub input: PathBuf,

    /// 输出格式 / Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ScoreFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScoreFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct RateArgs {
    /// 标准编号或文件 / Standard id or file
    #[arg(long, short)]
    pub standard: String,

    /// 评估目录（每社区一个 .toml/.json），或一个 .csv / .xlsx 表 / A directory of assessments, or one .csv / .xlsx sheet
    #[arg(long, short)]
    pub input: PathBuf,

    /// 评选年度 / Year of the round
    #[arg(long)]
    pub year: Option<i32>,

    /// 输出格式 / Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: RateFormat,

    /// 另存为 Excel 工作簿 / Also write an .xlsx workbook here
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RateFormat {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum CircleCommand {
    /// 各社区步行可达六项服务功能的居民（楼栋）比例、缺口 / Share of homes within walking time of each function, per community, and the gaps
    Coverage {
        #[command(flatten)]
        input: CircleInput,
        /// 输出 JSON / Print JSON
        #[arg(long)]
        json: bool,
        /// 列出的缺口数 / How many gaps to list
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// 另存每个起点（楼栋）到各功能的步行距离（CSV） / Also write every origin's walking distance to each function (CSV)
        #[arg(long)]
        per_origin: Option<PathBuf>,
    },
    /// 新设施选址建议（贪心最大覆盖） / Suggest sites for new facilities (greedy maximal coverage)
    Site {
        #[command(flatten)]
        input: CircleInput,
        /// 服务功能，如 elderly_care 或 老有所养 / Service function, e.g. elderly_care
        #[arg(long)]
        function: String,
        /// 建议的站点数 / Number of sites to suggest
        #[arg(long, default_value_t = 3)]
        count: usize,
        /// 候选站点（CSV：经度、纬度）；默认为路网每个节点 / Candidate sites (CSV with lon, lat); default every network node
        #[arg(long)]
        candidates: Option<PathBuf>,
        /// 输出 JSON / Print JSON
        #[arg(long)]
        json: bool,
    },
    /// 导出步行路网与设施（nodes.csv、edges.csv、facilities.csv） / Export the walking graph and facilities as CSV
    ExportGraph {
        #[command(flatten)]
        input: CircleInput,
        /// 输出目录 / Output directory
        #[arg(long)]
        out: PathBuf,
    },
}

/// Where the street network, facilities and homes come from, and the walking rule.
#[derive(Args, Debug)]
pub struct CircleInput {
    /// OpenStreetMap 数据（.osm.pbf） / OpenStreetMap extract (.osm.pbf)
    #[arg(long)]
    pub osm: PathBuf,
    /// 设施登记表（CSV 或 GeoJSON，可多次给出） / Facility registry (CSV or GeoJSON; may be repeated)
    #[arg(long)]
    pub facilities: Vec<PathBuf>,
    /// 不使用 OpenStreetMap 中的设施，只用登记表 / Ignore OpenStreetMap facilities, use only the registry
    #[arg(long)]
    pub no_osm_facilities: bool,
    /// 起点：buildings（住宅楼栋，默认）或 addresses（门牌地址） / Origins: residential buildings (default) or address points
    #[arg(long, value_enum, default_value = "buildings")]
    pub origins: CircleOrigins,
    /// 社区：auto、admin10（行政区划级别）、residential（住宅小区）、none，或社区边界 GeoJSON 文件 / Communities: auto, adminN, residential, none, or a GeoJSON file of boundaries
    #[arg(long, default_value = "auto")]
    pub communities: String,
    /// 步行时间（分钟） / Walking time in minutes
    #[arg(long, default_value_t = 15)]
    pub minutes: u32,
    /// 步行速度（千米/小时，默认 4:15 分钟 1000 米，GB 50180-2018） / Walking speed in km/h (default 4: 1000 m in 15 minutes, GB 50180-2018)
    #[arg(long, default_value = "4")]
    pub speed: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CircleOrigins {
    Buildings,
    Addresses,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// 满意度调查写入：HTTP 提交每秒份数，与同库单行事务写入上限对比 / Survey answers per second over HTTP, against the database's one-row-per-transaction ceiling
    SurveyIngest(SurveyIngestArgs),
    /// 满意度调查结果：100 万份答卷的区，结果页与接口耗时 / Survey results of a district with a million answers
    SurveyResults(SurveyResultsArgs),
    /// 生成页面压测数据：N 个社区 × 若干年度 × 128 条款 / Load a database for the page load test
    Seed {
        /// 数据库 / Database URL
        #[arg(long)]
        database: String,
        /// 省级区划代码：用已导入的该省全部社区，不生成虚拟社区 / A province code: seed every community of the province imported before, instead of synthetic ones
        #[arg(long)]
        province: Option<String>,
        /// 社区数（未给 --province 时） / Communities (without --province)
        #[arg(long, default_value_t = 10_000)]
        communities: usize,
        /// 年度数 / Years of rounds
        #[arg(long, default_value_t = 5)]
        years: usize,
        /// 随手拍事件总数（均分到各年度） / 随手拍 events in all, spread over the years
        #[arg(long, default_value_t = 0)]
        events: usize,
        /// 满意度调查答卷总数（均分到各年度） / Survey answers in all, spread over the years
        #[arg(long, default_value_t = 0)]
        survey_answers: usize,
    },
    /// 评定一个省：N 个社区 × 128 条款，含复评、奖励、目标汇总 / Rate a province: N communities × 128 clauses
    Rate {
        /// 社区数 / Number of communities
        #[arg(long, default_value_t = 10_000)]
        communities: usize,
        /// 重复次数（取中位数） / Runs (the median is reported)
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// 生成文件的目录（默认临时目录） / Where to write the generated files (default: a temporary directory)
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// 随手拍上报吞吐：HTTP 表单上报（含照片）每秒件数，SQLite 与 PostgreSQL / Event report intake over HTTP, with a photo
    EventsIntake {
        /// PostgreSQL 地址（另测 PostgreSQL，使用临时 schema） / Also run on PostgreSQL (in a temporary schema)
        #[arg(long)]
        postgres: Option<String>,
        /// 每项测试的秒数 / Seconds per workload
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// 并发连接数 / Concurrent connections
        #[arg(long, default_value_t = 8)]
        connections: usize,
        /// 照片宽度（像素，高为 3/4） / Photo width in pixels (height 3/4 of it)
        #[arg(long, default_value_t = 1280)]
        photo_side: u32,
        /// 运行时线程数（默认为处理器核数） / Runtime threads (default: the number of cores)
        #[arg(long)]
        workers: Option<usize>,
    },
    /// 超时上报扫描：N 个事件中找出到期事件并处理 / The deadline sweep over N open and closed events
    SlaSweep {
        /// PostgreSQL 地址（另测 PostgreSQL，使用临时 schema） / Also run on PostgreSQL (in a temporary schema)
        #[arg(long)]
        postgres: Option<String>,
        /// 事件数 / Events
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// 重复次数（取中位数） / Runs (the median is reported)
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// 超时上报扫描：在 `bench seed` 生成的数据库上计时（会处理部分事件） / The deadline sweep over a database loaded by `bench seed` (acts on some events)
    SeededSweep {
        /// 数据库 / Database URL
        #[arg(long)]
        database: String,
        /// 重复次数（取中位数） / Runs (the median is reported)
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// 公文出具：一个区全部社区的星级证书与该区的公示，每份耗时（同轮基准：一页 Typst 文档） / Official documents: every certificate of a district and its 公示 notice, time per document against a one-page Typst document
    Documents {
        /// 社区数 / Communities
        #[arg(long, default_value_t = 200)]
        communities: usize,
        /// 重复次数（每次新建数据库，取中位数） / Runs, each on a fresh database (medians are reported)
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// 15 分钟服务圈：每个节点到各功能最近设施的距离 / The circle: nearest facility of each function for every node
    Circle {
        /// OpenStreetMap 数据（.osm.pbf）：计时导入、吸附、搜索、统计 / Time import, snapping, searches and coverage on this extract
        #[arg(long, conflicts_with = "graph", required_unless_present = "graph")]
        osm: Option<PathBuf>,
        /// `xingfu circle export-graph` 导出的目录：节点到节点距离（与 pandana 相同的量） / A directory from export-graph: node-to-node distances, as pandana computes
        #[arg(long)]
        graph: Option<PathBuf>,
        /// 最远搜索距离（米），默认不限 / Search limit in metres (default: none)
        #[arg(long)]
        max_metres: Option<u32>,
        /// 重复次数（取中位数） / Runs (the median is reported)
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// 将距离写入 CSV（仅 --graph） / Write the distances to this CSV (with --graph)
        #[arg(long)]
        out: Option<PathBuf>,
        /// 线程数（默认为处理器核数） / Threads (default: the number of cores)
        #[arg(long)]
        threads: Option<usize>,
    },
}

#[derive(Args, Debug)]
pub struct SurveyIngestArgs {
    /// 数据库（默认临时 SQLite 文件；或 postgres://…） / Database URL (default: a temporary SQLite file)
    #[arg(long)]
    pub database: Option<String>,
    /// 每轮提交份数 / Submissions per run
    #[arg(long, default_value_t = 4000)]
    pub submissions: usize,
    /// 并发连接数 / Concurrent connections
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// 社区数 / Communities
    #[arg(long, default_value_t = 20)]
    pub communities: usize,
    /// 轮数（取中位数） / Runs (medians are reported)
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// 每批最多份数 / Most answers per transaction
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// 凑批最长等待（毫秒） / Longest wait for a batch to fill, in milliseconds
    #[arg(long, default_value_t = 2.0)]
    pub linger_ms: f64,
}

#[derive(Args, Debug)]
pub struct SurveyResultsArgs {
    /// 数据库（默认临时 SQLite 文件；或 postgres://…） / Database URL (default: a temporary SQLite file)
    #[arg(long)]
    pub database: Option<String>,
    /// 答卷份数 / Answers
    #[arg(long, default_value_t = 1_000_000)]
    pub answers: usize,
    /// 社区数 / Communities
    #[arg(long, default_value_t = 200)]
    pub communities: usize,
    /// 每项请求次数（取中位数） / Requests per measurement (medians are reported)
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
}
