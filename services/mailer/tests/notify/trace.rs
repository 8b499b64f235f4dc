//! One reply is one trace: the W3C context of the request travels in the job (and in the outbox row for re-pushes)
//! and the mailer's delivery span is its child. Spans are collected by an in-process exporter.

use std::sync::{Arc, Mutex};

use flicket_core::queue::{RepushPolicy, repush_due};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use sqlx::PgPool;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::helpers::*;

#[derive(Debug, Clone, Default)]
struct Collected(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Collected {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.0.lock().unwrap().extend(batch);
        std::future::ready(Ok(()))
    }
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn one_reply_is_one_trace_from_the_request_to_the_smtp_send(pool: PgPool) {
    let collected = Collected::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(collected.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    // This test's runtime runs on this thread only, so the mailer's tasks report to this subscriber too.
    let _guard = tracing::subscriber::set_default(subscriber);

    let w = world(&pool).await;
    let q = TestQueue::new();
    let mailer = RunningMailer::start(&pool, options(&q.name)).await;
    let request = tracing::info_span!("POST /tickets/{id}/reply");
    let (pushed, repushed) = async {
        let pushed = reply_for(&pool, &w, w.customer, "Traced through the relay.").await;
        push(&q.queue, pushed).await;
        // A second row of the same request never reaches Redis; the scheduler pushes it later.
        let repushed = reply_for(&pool, &w, w.customer, "Traced through the re-push.").await;
        (pushed, repushed)
    }
    .instrument(request.clone())
    .await;
    let request_context = request.context().span().span_context().clone();
    drop(request);
    assert_eq!(finished(&pool, pushed).await, "sent");
    let policy = RepushPolicy {
        not_enqueued_after: std::time::Duration::ZERO,
        ..RepushPolicy::default()
    };
    assert_eq!(repush_due(&pool, &q.queue, policy).await.unwrap(), 1);
    assert_eq!(finished(&pool, repushed).await, "sent");
    mailer.stop().await;
    provider.force_flush().unwrap();

    let spans = collected.0.lock().unwrap();
    let deliveries: Vec<&SpanData> = spans.iter().filter(|s| s.name == "email.deliver").collect();
    assert!(
        deliveries.len() >= 2,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    for span in deliveries {
        assert_eq!(span.span_context.trace_id(), request_context.trace_id());
        assert_eq!(span.parent_span_id, request_context.span_id());
    }
}
