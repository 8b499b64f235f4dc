-- Flicket's REST API addressed each subscription by an integer id (`/flicket-api/subscription/<id>`); the
-- compatibility layer needs one. The (ticket_id, user_id) primary key stays what identifies a subscription.
alter table subscriptions add column subscription_id bigint generated always as identity;
alter table subscriptions add constraint subscriptions_subscription_id_key unique (subscription_id);
