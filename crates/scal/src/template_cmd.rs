//! `scal template ...`: import, publish, diff and list SCAL templates from the command line.

use scal_app::templates::{parse_map, ImportRequest};
use scal_app::{Actor, App};
use scal_domain::template::TemplateDiff;
use time::OffsetDateTime;

use crate::{Failure, TemplateCommand};

pub async fn run(
    app: &App,
    command: TemplateCommand,
    limits: scal_workbook::Limits,
    now: OffsetDateTime,
) -> Result<(), Failure> {
    let actor = Actor::System;
    match command {
        TemplateCommand::Import {
            file,
            template,
            name,
            service,
            publish,
            map,
            json,
        } => {
            let bytes = std::fs::read(&file).map_err(|e| Failure(format!("cannot read {}: {e}", file.display())))?;
            let request = ImportRequest {
                file_name: file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("template")
                    .to_string(),
                bytes: bytes.into(),
                template_id: template,
                name,
                service,
                publish,
                options: parse_map(&map)?,
            };
            let progress = crate::progress_bar::Bar::new();
            let outcome =
                match scal_app::templates::import_with_progress(app, &actor, &request, limits, now, &progress).await {
                    Ok(outcome) => outcome,
                    Err(error) => return Err(with_version_hint(app, &request, error).await),
                };
            if json {
                let report = serde_json::json!({
                    "template": {"id": outcome.template.id, "name": outcome.template.name, "version": outcome.version.version},
                    "status": if outcome.version.published { "published" } else { "draft" },
                    "sheets": outcome.report.sheets,
                    "diff": outcome.diff,
                });
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                println!(
                    "imported {} as version {} of template {:?} ({}), id {}",
                    request.file_name,
                    outcome.version.version,
                    outcome.template.name,
                    if outcome.version.published {
                        "published"
                    } else {
                        "draft"
                    },
                    outcome.template.id
                );
                for sheet in &outcome.report.sheets {
                    match &sheet.skipped_because {
                        Some(reason) => println!("  {}: skipped: {reason}", sheet.name),
                        None => {
                            println!(
                                "  {} ({}): {} requirements; {}",
                                sheet.name,
                                sheet.kind,
                                sheet.requirements,
                                crate::check::describe_columns(sheet)
                            );
                            for row in &sheet.skipped_rows {
                                println!("    row {} skipped: {}", row.row, row.reason);
                            }
                        }
                    }
                }
                if let Some(diff) = &outcome.diff {
                    print_diff(diff);
                }
            }
        }
        TemplateCommand::Publish { template, version } => {
            let diff = scal_app::templates::publish(app, &actor, &template, version, now).await?;
            println!("published version {version}");
            print_diff(&diff);
        }
        TemplateCommand::Diff {
            template,
            from,
            to,
            json,
        } => {
            let (from, to, diff) = scal_app::templates::diff(app, &actor, &template, from, to).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({"from": from, "to": to, "diff": diff}))
                        .unwrap_or_default()
                );
            } else {
                println!("version {from} to version {to}:");
                print_diff(&diff);
            }
        }
        TemplateCommand::List => {
            for (template, versions) in scal_app::templates::list(app, &actor).await? {
                let list: Vec<String> = versions
                    .iter()
                    .map(|v| format!("{}{}", v.version, if v.published { "" } else { " (draft)" }))
                    .collect();
                println!("{}  {}  versions: {}", template.id, template.name, list.join(", "));
            }
        }
    }
    Ok(())
}

/// A name clash told the command-line way: which `--template` adds the file as a new version.
async fn with_version_hint(app: &App, request: &ImportRequest, error: scal_app::AppError) -> Failure {
    let clash = matches!(&error, scal_app::AppError::Invalid(invalid) if invalid.0.iter().any(|e| e.field == "name"));
    let mut failure = Failure::from(error);
    if clash {
        let name = request.name.as_deref().unwrap_or_default();
        if let Ok(Some(existing)) =
            scal_app::templates::likely_target(app, &Actor::System, name, &request.file_name, "").await
        {
            failure
                .0
                .push_str(&format!(" (to import it as a new version: --template {})", existing.id));
        }
    }
    failure
}

fn print_diff(diff: &TemplateDiff) {
    if diff.is_empty() {
        println!("  no changes");
    }
    for entry in &diff.added {
        println!("  + {} {}", entry.requirement_id, entry.text);
    }
    for entry in &diff.removed {
        println!("  - {} {}", entry.requirement_id, entry.text);
    }
    for change in &diff.text_changed {
        println!(
            "  ~ {} text: {:?} -> {:?}",
            change.requirement_id, change.before, change.after
        );
    }
    for change in &diff.level_changed {
        println!(
            "  ~ {} level: {} -> {}",
            change.requirement_id, change.before, change.after
        );
    }
}
