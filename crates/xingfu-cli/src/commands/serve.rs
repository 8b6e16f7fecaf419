//! `xingfu serve` and `xingfu import regions`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use xingfu_server::app::clock::now_ms;
use xingfu_server::notifications::channels::ChannelConfig;
use xingfu_server::{AppState, demo, router};
use xingfu_store::audit::ChainBreak;
use xingfu_store::regions::RegionRow;
use xingfu_store::{Store, StoreError};

use super::audit;
use super::process::{redact, runtime};
use crate::cli::ServeArgs;

pub fn serve(args: &ServeArgs, english: bool) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();
    let database = match &args.database {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&args.data_dir)
                .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
            format!("sqlite://{}", args.data_dir.join("xingfu.db").display())
        }
    };
    runtime()?.block_on(async {
        let wait = std::time::Duration::from_millis(args.database_wait_ms);
        let store = Store::connect_waiting(&database, wait)
            .await
            .with_context(|| format!("cannot open the database {}", redact(&database)))?;
        let key = audit::load_key(&args.audit_key, &args.data_dir, true, english)?
            .context("the audit key")?;
        let store = store.with_audit_key(key);
        let audit_status = match xingfu_server::app::audit::check_at_start(&store, now_ms()).await {
            Ok(status) => status,
            Err(StoreError::AuditKeyMismatch { stored, given }) => {
                return Err(audit::key_mismatch(
                    &stored,
                    &given,
                    &args.audit_key,
                    &args.data_dir,
                    english,
                ));
            }
            Err(e) => return Err(e).context("checking the audit log"),
        };
        if let Some(broken) = &audit_status.report.broken {
            print_broken_audit_log(broken, english);
        }
        // Uploaded evidence: an S3-compatible bucket when configured, else DATA_DIR/evidence.
        let files = xingfu_server::app::files::FileStore::from_env_or_dir(&args.data_dir)?;
        let state = AppState::new(store, args.secure_cookies)
            .with_files(files)
            .with_audit_status(audit_status);
        let state = match &args.database_replica {
            None => state,
            Some(url) => {
                if !(url.starts_with("postgres:") || url.starts_with("postgresql:"))
                    || !(database.starts_with("postgres:") || database.starts_with("postgresql:"))
                {
                    bail!(if english {
                        "--database-replica is a PostgreSQL streaming replica of a PostgreSQL --database"
                    } else {
                        "--database-replica 须为 PostgreSQL 主库（--database）的流复制副本"
                    });
                }
                let replica_store = Store::connect_replica(url)
                    .with_context(|| format!("cannot open the replica {}", redact(url)))?;
                let replica = xingfu_server::app::replica::Replica::new(
                    replica_store,
                    std::time::Duration::from_millis(args.replica_max_lag_ms),
                );
                tokio::spawn(replica.clone().monitor(state.store.clone()));
                state.with_replica(replica)
            }
        };
        let network = xingfu_server::circle::network::network_for(args.osm.clone(), !args.no_demo);
        let channels = xingfu_server::notifications::channels::Channels::new(&ChannelConfig {
            smtp_url: args.smtp_url.clone(),
            mail_from: args.mail_from.clone(),
            webhook_url: args.webhook_url.clone(),
            webhook_secret: args.webhook_secret.clone(),
            site_url: args.site_url.clone(),
        })?;
        let mut state = state
            .with_network(network)
            .with_channels(channels)
            .with_tianditu_key(args.tianditu_key.clone());
        // The basemap is read from the extract at start-up, so the first map opens at once.
        let warm = state.network.clone();
        tokio::spawn(async move {
            if let Err(e) = warm.basemap().await {
                tracing::warn!("basemap: {e}");
            }
        });
        if let Some(folder) = &args.templates {
            state.documents =
                xingfu_server::documents::runtime::DocumentRuntime::with_folder(folder.clone())?;
        }
        // The deadline sweep, reminders, notification delivery and coverage after facility
        // changes run as jobs; every server takes its share unless told not to (docs/deploy.md).
        if args.jobs_every_seconds > 0 {
            xingfu_server::jobs::spawn_worker(
                state.clone(),
                std::time::Duration::from_secs(args.jobs_every_seconds),
            );
        }
        if !args.no_demo
            && let Some(login) = demo::load(&state).await?
        {
            let mut places = Vec::new();
            for (_, _, _, region) in demo::ACCOUNTS {
                let name = state.store.region(region).await?.map(|r| r.name);
                places.push(name.unwrap_or_else(|| region.to_string()));
            }
            print_demo_accounts(&login.password, &places, english);
        }
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        if english {
            println!(
                "Xingfu is running at http://{address}/ (database {})",
                redact(&database)
            );
        } else {
            println!(
                "幸福社区平台已启动：http://{address}/（数据库 {}）",
                redact(&database)
            );
        }
        let lifecycle = state.lifecycle.clone();
        let drain = std::time::Duration::from_secs(args.drain_seconds);
        // The peer address is kept with survey answers (the "bursts from one address" signal).
        axum::serve(
            listener,
            router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            stop_signal().await;
            // /health says "draining" while the balancer notices; then no new connections are
            // taken and the requests in flight finish.
            lifecycle.drain();
            tracing::info!("stopping: draining for {} s", drain.as_secs());
            tokio::time::sleep(drain).await;
        })
        .await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM (what service managers and container runtimes send to stop a process).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// On the console too, not only in the log: whoever starts the server must see it.
fn print_broken_audit_log(broken: &ChainBreak, english: bool) {
    let rule = "!".repeat(72);
    eprintln!("{rule}");
    if english {
        eprintln!(
            "THE AUDIT LOG WAS CHANGED OUTSIDE XINGFU: row {} does not verify ({}).",
            broken.seq,
            broken.reason.en()
        );
        eprintln!(
            "The server runs on and shows this to the city administrators. Keep a copy of the database, \
             run `xingfu audit verify` and compare with the backups."
        );
    } else {
        eprintln!(
            "审计日志已在本平台之外被改动\u{ff1a}第 {} 条记录未通过核验\u{ff08}{}\u{ff09}。",
            broken.seq,
            broken.reason.zh()
        );
        eprintln!(
            "服务器继续运行\u{ff0c}并向市级管理员显示此情况。请保留数据库副本\u{ff0c}运行 xingfu audit verify 并与备份核对。"
        );
    }
    eprintln!("{rule}");
}

/// The demo's accounts, each with its name, role and place (`places`, in the order of
/// `demo::ACCOUNTS`).
fn print_demo_accounts(password: &str, places: &[String], english: bool) {
    if english {
        println!("Demo data loaded. Accounts (all with password {password}):");
    } else {
        println!("已加载演示数据。演示账号（密码均为 {password}）：");
    }
    for ((username, display, role, _), place) in demo::ACCOUNTS.iter().zip(places) {
        if english {
            println!(
                "  {username:<10} {display} ({}, {place})",
                role.key().replace('_', " ")
            );
        } else {
            println!("  {username:<10} {display}（{}，{place}）", role.zh());
        }
    }
    if english {
        println!(
            "Sign in as admin first: it is the city administrator. Change these passwords before real use."
        );
    } else {
        println!("请先以 admin（市级管理员）登录。正式使用前请修改这些密码。");
    }
}

pub fn import_regions(file: &Path, database: &str, english: bool) -> Result<ExitCode> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {shown}"))?;
    let parsed = if shown.ends_with(".json") {
        xingfu_formats::regions::read_divisions_json(&shown, &text)
    } else {
        xingfu_formats::regions::read_divisions_csv(&shown, &text)
    };
    let regions = match parsed {
        Ok(divisions) => {
            for note in &divisions.skipped {
                eprintln!("{}", note.render(english));
            }
            divisions.regions
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("{}", problem.render(english));
            }
            bail!(if english {
                format!("{} problem(s); nothing was imported", problems.len())
            } else {
                format!("共 {} 个问题，未导入任何数据", problems.len())
            });
        }
    };
    if let Some(dir) = database
        .strip_prefix("sqlite://")
        .and_then(|p| Path::new(p).parent())
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let rows: Vec<RegionRow> = regions
        .into_iter()
        .map(|r| RegionRow {
            code: r.code,
            name: r.name,
            level: r.level.key().to_string(),
            parent: r.parent,
            urban_rural: r.urban_rural,
        })
        .collect();
    let written = runtime()?.block_on(async {
        let store = Store::connect(database).await?;
        let written = store.upsert_regions(&rows).await?;
        store.close().await;
        Ok::<_, anyhow::Error>(written)
    })?;
    if english {
        println!("imported {written} regions into {}", redact(database));
    } else {
        println!("已导入 {written} 个区划到 {}", redact(database));
    }
    Ok(ExitCode::SUCCESS)
}
