-- A threshold alert belongs to the amount it was computed against: raising a budget's amount mid-period
-- re-arms its thresholds against the new amount (80% of $4 is a new alert after 80% of $2 fired).
alter table budget_alert add column amount_usd numeric;
update budget_alert a set amount_usd = b.amount_usd from budget b where b.id = a.budget_id;
alter table budget_alert alter column amount_usd set not null;
alter table budget_alert drop constraint budget_alert_pkey;
alter table budget_alert add primary key (budget_id, period_start, threshold, amount_usd);
