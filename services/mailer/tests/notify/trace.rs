//! One reply is one trace: the W3C context of the request travels in the job (and in the outbox row for re-pushes)
//! and the mailer's delivery span is its child. Spans are collected by an in-process exporter.

use std::sync::{Arc, Mutex, OnceLock};

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

/// The process-wide collector: tasks of the mailer may run on any thread, so the subscriber must be global.
fn collector() -> &'static (Collected, SdkTracerProvider) {
    static COLLECTOR: OnceLock<(Collected, SdkTracerProvider)> = OnceLock::new();
    COLLECTOR.get_or_init(|| {
        let collected = Collected::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(collected.clone())
            .build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        tracing::subscriber::set_global_default(subscriber).unwrap();
        (collected, provider)
    })
}

#[sqlx::test(migrator = "flicket_core::db::MIGRATOR")]
async fn one_reply_is_one_trace_from_the_request_to_the_smtp_send(pool: PgPool) {
    let (collected, provider) = collector();

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
    // Other tests of this binary trace too: only this request's trace matters.
    let deliveries: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == "email.deliver")
        .filter(|s| s.span_context.trace_id() == request_context.trace_id())
        .collect();
    assert_eq!(
        deliveries.len(),
        2,
        "one delivery span per email, in the request's trace"
    );
    for span in deliveries {
        assert_eq!(span.parent_span_id, request_context.span_id());
    }
    assert!(request_context.is_valid());
}
