//! Scheduled work that runs once, whichever instance runs it: the reminders before anything lapses
//! (`scal_domain::reminder`) and the certificate watch (`shares::watch`).
//!
//! [`run_due`] claims each due job under a lease (`records::jobs::claim`: `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so several instances on one database never run a job at the same time), runs
//! it, and records the run with its audit entry (`job.run`). The reminders job writes each
//! reminder's notifications, outbox emails, `sent_reminders` row and audit entry in one
//! transaction, and only when the row is new: **each reminder is sent once per subject and
//! threshold**, across restarts and instances, even if two instances ran the job at once.
//!
//! [`upcoming`] is each user's list of what falls due in the next 30 days (and what is overdue):
//! the same subjects, the same domain rule and the same recipients as the reminders.

use std::collections::HashMap;

use scal_domain::certificate::CertificateStatus;
use scal_domain::check::parse_date;
use scal_domain::onboarding::info;
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::reminder::{Audience, Subject};
use scal_domain::user::Role;
use scal_store::records::users::UserRecord;
use scal_store::records::{agreements, cases, jobs, products, scals, submissions, users};
use time::{Date, Duration, OffsetDateTime};

use crate::{audit_entry, from_micros, micros, App, Result};

/// Sends the reminders due today.
pub const REMINDERS: &str = "reminders";
/// Tells end user organisations of a shared product's certificate changing status.
pub const CERTIFICATE_WATCH: &str = "certificate-watch";

/// Every job and how often it runs. Each run is audited, so no job runs more often than it needs
/// to: reminders are by the day, the certificate watch notices a condition falling due.
pub const SCHEDULE: [(&str, Duration); 2] = [
    (CERTIFICATE_WATCH, Duration::minutes(15)),
    (REMINDERS, Duration::hours(1)),
];

/// How long an instance holds a job it claimed; past it, the instance is taken to have died and
/// another may claim the job.
pub const LEASE: Duration = Duration::minutes(10);

/// One job run by this instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobRun {
    pub job: String,
    /// What it did: reminders sent, SCALs whose EUOs were told.
    pub done: usize,
    /// The error, when it failed (it runs again at its next time).
    pub error: Option<String>,
}

/// Runs every job due at `now` that no other instance holds, as instance `instance`.
pub async fn run_due(app: &App, instance: &str, now: OffsetDateTime) -> Result<Vec<JobRun>> {
    run(app, instance, now, now, false).await
}

/// Runs every job now, due or not (still under its lease, so never beside another instance's run
/// of it): one pass of `scal jobs run`.
pub async fn run_all(app: &App, instance: &str, now: OffsetDateTime) -> Result<Vec<JobRun>> {
    run(app, instance, now, now, true).await
}

/// [`run_all`] with the jobs working as of another day (`scal jobs run --as-of`, to catch up days
/// the scheduler missed, or to rehearse one). Leases, the next run and the audit entry's time stay
/// on the real clock (`now`), so the server's own schedule is untouched whatever the date; a
/// reminder sent for a day ahead counts as sent.
pub async fn run_all_as_of(
    app: &App,
    instance: &str,
    now: OffsetDateTime,
    as_of: OffsetDateTime,
) -> Result<Vec<JobRun>> {
    run(app, instance, now, as_of, true).await
}

async fn run(
    app: &App,
    instance: &str,
    now: OffsetDateTime,
    as_of: OffsetDateTime,
    any_time: bool,
) -> Result<Vec<JobRun>> {
    let mut runs = Vec::new();
    for (name, every) in SCHEDULE {
        jobs::ensure(app.store.pool(), name, micros(now)).await?;
        let mut tx = app.store.begin().await?;
        let claimed = jobs::claim(&mut tx, name, instance, micros(now), micros(now + LEASE), any_time).await?;
        tx.commit().await?;
        if !claimed {
            continue;
        }
        let result = match name {
            REMINDERS => send_reminders(app, as_of).await,
            _ => crate::shares::watch(app, as_of).await,
        };
        let (done, error) = match result {
            Ok(done) => (done, None),
            Err(e) => {
                tracing::warn!(job = name, error = %e, "job failed");
                (0, Some(e.to_string()))
            }
        };
        let outcome = error
            .as_ref()
            .map_or_else(|| format!("done {done}"), |e| format!("failed: {e}"));
        let mut tx = app.store.begin().await?;
        let held = jobs::finish(tx.conn(), name, instance, micros(now), micros(now + every), &outcome).await?;
        tx.audit(audit_entry(
            &Actor::System,
            now,
            "job.run",
            None,
            name,
            None,
            Some(serde_json::json!({
                "instance": instance,
                "as_of": as_of.date().to_string(),
                "done": done,
                "error": error,
                "lease_held": held,
            })),
        ))
        .await?;
        tx.commit().await?;
        runs.push(JobRun {
            job: name.to_string(),
            done,
            error,
        });
    }
    Ok(runs)
}

/// An uplift's due date and the people to tell: what the uplift module provides to
/// [`uplift_due_dates`].
#[derive(Debug, Clone)]
pub struct UpliftDue {
    /// Names the uplift (its ID): with the due date, the reminders' subject key.
    pub key: String,
    pub product_id: String,
    pub scal_id: String,
    pub due: Date,
    pub recipients: Vec<UserRecord>,
    /// Where the reminder points.
    pub link: String,
}

/// The open uplifts (not yet accepted) with their due dates, each told to the supplier's users;
/// the reminders (30 and 7 days before, on the day) and the upcoming list follow from
/// `scal_domain::reminder`.
pub async fn uplift_due_dates(app: &App, _today: Date) -> Result<Vec<UpliftDue>> {
    let mut conn = app.store.acquire().await?;
    let mut scal_ids: Vec<String> = Vec::new();
    for r in scal_store::records::reopenings::all(&mut *conn).await? {
        if r.kind == "uplift" && !scal_ids.contains(&r.scal_id) {
            scal_ids.push(r.scal_id);
        }
    }
    let mut out = Vec::new();
    for scal_id in scal_ids {
        let rounds = scal_store::records::submissions::for_scal(&mut *conn, &scal_id).await?;
        let open = crate::scals::open_reopenings_on(&mut conn, &scal_id, &rounds).await?;
        let Some(scal) = scal_store::records::scals::get_scal(&mut *conn, &scal_id).await? else {
            continue;
        };
        let Some(product) = scal_store::records::products::get(&mut *conn, &scal.product_id).await? else {
            continue;
        };
        let recipients: Vec<UserRecord> = scal_store::records::users::list_in_org(&mut *conn, &product.org_id)
            .await?
            .into_iter()
            .filter(|u| u.active)
            .collect();
        for r in open.into_iter().filter(|r| r.kind == "uplift") {
            let Some(due) = r.due_date.as_deref().and_then(|d| parse_date(d).ok()) else {
                continue;
            };
            out.push(UpliftDue {
                key: r.id,
                product_id: product.id.clone(),
                scal_id: scal_id.clone(),
                due,
                recipients: recipients.clone(),
                link: format!("/scals/{scal_id}"),
            });
        }
    }
    Ok(out)
}

/// One dated obligation with what it takes to find its people and its page.
#[derive(Debug, Clone)]
pub struct Dated {
    pub subject: Subject,
    pub scal_id: Option<String>,
    /// The supplier the obligation is about.
    pub supplier_org_id: Option<String>,
    pub link: String,
    services: Vec<String>,
    assigned_reviewer: Option<String>,
    signatory: Option<String>,
    named: Vec<UserRecord>,
}

impl Dated {
    fn new(subject: Subject, scal_id: &str, supplier_org_id: Option<&str>, link: String) -> Self {
        Self {
            subject,
            scal_id: Some(scal_id.to_string()),
            supplier_org_id: supplier_org_id.map(str::to_string),
            link,
            services: Vec::new(),
            assigned_reviewer: None,
            signatory: None,
            named: Vec::new(),
        }
    }
}

/// Every dated obligation in the database, as of `today`.
pub async fn obligations(app: &App, today: Date) -> Result<Vec<Dated>> {
    let pool = app.store.pool();
    let products: HashMap<String, scal_store::ProductRecord> = products::list(pool, None)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let product = |id: &str| {
        products.get(id).map_or_else(
            || (String::new(), None),
            |p| {
                (
                    format!("{} {}", p.details.name, p.details.version),
                    Some(p.org_id.clone()),
                )
            },
        )
    };
    let mut out = Vec::new();
    for answer in jobs::answers_to(pool, info::DSPT_DATE, info::PENTEST_DATE).await? {
        let Some(date) = answer.response.as_deref().and_then(|r| parse_date(r).ok()) else {
            continue;
        };
        let (name, org) = product(&answer.product_id);
        let scal_id = answer.scal_id.clone();
        let subject = if answer.requirement_id == info::DSPT_DATE {
            Subject::Dspt {
                scal_id,
                product: name,
                published: date,
            }
        } else {
            Subject::PenetrationTest {
                scal_id,
                product: name,
                tested_on: date,
            }
        };
        let link = format!("/scals/{}", answer.scal_id);
        out.push(Dated::new(subject, &answer.scal_id, org.as_deref(), link));
    }
    for answer in jobs::target_dates(pool).await? {
        let Some(target) = answer.target_date.as_deref().and_then(|r| parse_date(r).ok()) else {
            continue;
        };
        let (name, org) = product(&answer.product_id);
        let subject = Subject::RedMitigation {
            scal_id: answer.scal_id.clone(),
            product: name,
            sheet: answer.sheet.clone(),
            requirement_id: answer.requirement_id.clone(),
            target,
        };
        let link = format!("/scals/{}", answer.scal_id);
        out.push(Dated::new(subject, &answer.scal_id, org.as_deref(), link));
    }
    let jwks = crate::keys::jwks(app).await?;
    let mut conn = app.store.acquire().await?;
    for scal_id in jobs::certified_scals(&mut *conn).await? {
        let Some(certificate) = crate::certificates::latest_on(&mut conn, &scal_id, &jwks, today).await? else {
            continue;
        };
        if matches!(
            certificate.status,
            CertificateStatus::Revoked { .. }
                | CertificateStatus::Expired { .. }
                | CertificateStatus::Unverifiable { .. }
        ) {
            continue;
        }
        let org = scals::get_scal(&mut *conn, &scal_id)
            .await?
            .and_then(|s| product(&s.product_id).1);
        for condition in &certificate.facts.conditions {
            let Some(record) = certificate
                .conditions
                .iter()
                .find(|r| r.requirement_id == condition.requirement_id && r.text == condition.text)
            else {
                continue;
            };
            if record.confirmed_at.is_some() {
                continue;
            }
            let subject = Subject::Condition {
                condition_id: record.id.clone(),
                product: format!("{} {}", certificate.facts.product, certificate.facts.product_version),
                text: condition.text.clone(),
                due: condition.due,
                met: record.met_at.is_some(),
            };
            let link = format!("/certificates/{}", certificate.record.id);
            out.push(Dated::new(subject, &scal_id, org.as_deref(), link));
        }
    }
    let waiting = submissions::ListFilter {
        status: Some("submitted"),
        ..submissions::ListFilter::default()
    };
    for (submission, listed_product, reviewer) in submissions::list(&mut *conn, waiting).await? {
        let (name, org) = product(&listed_product.id);
        let due = scal_domain::review::due_date(
            from_micros(submission.submitted_at).date(),
            app.settings.review_response_days,
            &app.settings.bank_holidays,
        );
        let subject = Subject::ReviewResponse {
            submission_id: submission.id.clone(),
            product: name,
            round: submission.round,
            due,
        };
        let mut dated = Dated::new(
            subject,
            &submission.scal_id,
            org.as_deref(),
            format!("/submissions/{}", submission.id),
        );
        dated.assigned_reviewer = reviewer.map(|(id, _)| id);
        dated.services = cases::for_scal(&mut *conn, &submission.scal_id)
            .await?
            .into_iter()
            .map(|c| c.service_code)
            .collect();
        out.push(dated);
    }
    for agreement in agreements::all(&mut *conn).await? {
        if agreement.accepted_at.is_some() {
            continue;
        }
        let product_id = scals::get_scal(&mut *conn, &agreement.scal_id)
            .await?
            .map(|s| s.product_id)
            .unwrap_or_default();
        let (name, org) = product(&product_id);
        let subject = Subject::AgreementAcceptance {
            agreement_id: agreement.id.clone(),
            product: name,
            reference: agreement.reference.clone(),
            prepared_on: from_micros(agreement.prepared_at).date(),
        };
        let mut dated = Dated::new(
            subject,
            &agreement.scal_id,
            org.as_deref(),
            format!("/agreements/{}", agreement.id),
        );
        dated.signatory = Some(agreement.signatory_user_id.clone());
        out.push(dated);
    }
    drop(conn);
    for uplift in uplift_due_dates(app, today).await? {
        let (name, org) = product(&uplift.product_id);
        let subject = Subject::Uplift {
            key: uplift.key.clone(),
            product: name,
            due: uplift.due,
        };
        let mut dated = Dated::new(subject, &uplift.scal_id, org.as_deref(), uplift.link.clone());
        dated.named = uplift.recipients;
        out.push(dated);
    }
    Ok(out)
}

/// The people an obligation's reminder goes to: the supplier's active users, the round's assigned
/// reviewer (else the services' reviewers, else every reviewer, as `notifications::reviewers`),
/// the agreement's signatory, or those the provider named. Inactive users are never told.
async fn recipients(conn: &mut scal_store::Conn, dated: &Dated) -> Result<Vec<UserRecord>> {
    let people = match dated.subject.audience() {
        Audience::Supplier => match &dated.supplier_org_id {
            Some(org) => users::list_in_org(&mut *conn, org).await?,
            None => Vec::new(),
        },
        Audience::Reviewers => {
            let assigned = match &dated.assigned_reviewer {
                Some(id) => users::get(&mut *conn, id).await?.filter(|u| u.active),
                None => None,
            };
            match assigned {
                Some(user) => vec![user],
                None => crate::notifications::reviewers_on(&mut *conn, &dated.services).await?,
            }
        }
        Audience::Signatory => match &dated.signatory {
            Some(id) => users::get(&mut *conn, id).await?.into_iter().collect(),
            None => Vec::new(),
        },
        Audience::Named => dated.named.clone(),
    };
    Ok(people.into_iter().filter(|u| u.active).collect())
}

/// Sends every reminder due on `now`'s day that was not sent before; returns how many were sent.
pub async fn send_reminders(app: &App, now: OffsetDateTime) -> Result<usize> {
    let today = now.date();
    let mut sent = 0;
    for dated in obligations(app, today).await? {
        let Some(reminder) = dated.subject.reminder(today) else {
            continue;
        };
        let threshold = reminder.threshold.code();
        if jobs::was_sent(app.store.pool(), &reminder.key, &threshold).await? {
            continue;
        }
        let mut tx = app.store.begin().await?;
        let to = recipients(tx.conn(), &dated).await?;
        let count = i64::try_from(to.len()).unwrap_or(i64::MAX);
        // Insert-once: another instance that got here first has sent it; dropping the
        // transaction sends nothing.
        if !jobs::record_sent(tx.conn(), &reminder.key, &threshold, micros(now), count).await? {
            continue;
        }
        crate::notifications::tell(
            &mut tx,
            &to,
            "reminder",
            &reminder.subject,
            &reminder.message,
            &dated.link,
            now,
        )
        .await?;
        tx.audit(audit_entry(
            &Actor::System,
            now,
            "reminder.sent",
            dated.supplier_org_id.as_deref(),
            &reminder.key,
            None,
            Some(serde_json::json!({
                "threshold": threshold,
                "recipients": to.iter().map(|u| u.id.clone()).collect::<Vec<_>>(),
            })),
        ))
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// One line of a user's upcoming list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UpcomingItem {
    /// What it is about: `dspt`, `penetration_test`, `red_mitigation`, `condition`,
    /// `review_response`, `agreement`, `uplift`.
    pub kind: &'static str,
    pub what: String,
    pub on: Date,
    pub overdue: bool,
    pub link: String,
}

fn kind(subject: &Subject) -> &'static str {
    match subject {
        Subject::Dspt { .. } => "dspt",
        Subject::PenetrationTest { .. } => "penetration_test",
        Subject::RedMitigation { .. } => "red_mitigation",
        Subject::Condition { .. } => "condition",
        Subject::ReviewResponse { .. } => "review_response",
        Subject::AgreementAcceptance { .. } => "agreement",
        Subject::Uplift { .. } => "uplift",
    }
}

/// What falls due for the actor in the next 30 days, and what is overdue, earliest first: the
/// obligations whose reminders go to them. An end user organisation's members also see the
/// certificate conditions, DSPT and penetration test of each product shared with them (linked to
/// the share). The operator (`Actor::System`) sees everything.
pub async fn upcoming(app: &App, actor: &Actor, today: Date) -> Result<Vec<UpcomingItem>> {
    authorize(actor, Action::ReadOwnNotifications, None)?;
    let shared: HashMap<String, String> = match crate::shares::actor_euo(app, actor).await? {
        Some(_) => crate::shares::list(app, actor, today)
            .await?
            .into_iter()
            .map(|s| (s.record.scal_id.clone(), s.record.id.clone()))
            .collect(),
        None => HashMap::new(),
    };
    let euo = actor.role() == Some(Role::EuoMember);
    let obligations = obligations(app, today).await?;
    let mut conn = app.store.acquire().await?;
    let mut out = Vec::new();
    for dated in obligations {
        let Some(item) = dated.subject.upcoming(today) else {
            continue;
        };
        let link = if euo {
            let about_the_product = matches!(
                dated.subject,
                Subject::Dspt { .. } | Subject::PenetrationTest { .. } | Subject::Condition { .. }
            );
            // The DSPT and penetration-test dates are read from the live answers: while the SCAL
            // is reopened they may be the supplier's unaccepted edits, which are not shared.
            let from_answers = matches!(dated.subject, Subject::Dspt { .. } | Subject::PenetrationTest { .. });
            match dated
                .scal_id
                .as_ref()
                .and_then(|s| shared.get(s).map(|share| (s, share)))
            {
                Some((scal_id, share)) if about_the_product => {
                    let reopened = from_answers && {
                        let rounds = scal_store::records::submissions::for_scal(&mut *conn, scal_id).await?;
                        !crate::scals::open_reopenings_on(&mut conn, scal_id, &rounds)
                            .await?
                            .is_empty()
                    };
                    (!reopened).then(|| format!("/shares/{share}"))
                }
                _ => None,
            }
        } else {
            let mine = match actor.user_id() {
                None => true,
                Some(user) => match dated.subject.audience() {
                    // The supplier's active users: a signed-in member is one.
                    Audience::Supplier => dated.supplier_org_id.as_deref() == actor.org_id(),
                    Audience::Signatory => dated.signatory.as_deref() == Some(user),
                    Audience::Named => dated.named.iter().any(|u| u.id == user),
                    Audience::Reviewers => {
                        actor.is_nhse() && recipients(&mut conn, &dated).await?.iter().any(|u| u.id == user)
                    }
                },
            };
            mine.then(|| dated.link.clone())
        };
        if let Some(link) = link {
            out.push(UpcomingItem {
                kind: kind(&dated.subject),
                what: item.what,
                on: item.on,
                overdue: item.overdue,
                link,
            });
        }
    }
    out.sort_by(|a, b| (a.on, &a.what).cmp(&(b.on, &b.what)));
    Ok(out)
}

/// Whether a SCAL's DSPT is at risk on `today` (`reminder::dspt_at_risk`: the one on its
/// information sheet predates the current assessment period); `None` when it gives no date.
pub async fn dspt_at_risk(app: &App, scal_id: &str, today: Date) -> Result<Option<Date>> {
    let answer = jobs::answer_of(app.store.pool(), scal_id, info::DSPT_DATE).await?;
    Ok(answer
        .and_then(|raw| parse_date(&raw).ok())
        .filter(|published| scal_domain::reminder::dspt_at_risk(*published, today)))
}
