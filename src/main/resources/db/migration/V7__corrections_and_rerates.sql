-- A rate card may correct an earlier version: it then takes effect at that version's instant (or later)
-- in its place. Two cards may share an instant only when one corrects the other.
alter table rate_card add column corrects text;
alter table rate_card add column reason text;
alter table rate_card drop constraint rate_card_effective_from_key;
create unique index rate_card_effective_from_once on rate_card (effective_from, coalesce(corrects, ''));

-- Applied re-rates: append-only. Who, when, why, the range, the target card, the totals...
create table rerate (
    id              uuid        primary key,  -- the request's id: applying the same re-rate twice changes nothing
    applied_at      timestamptz not null default now(),
    applied_by      text        not null,
    reason          text        not null,
    from_time       timestamptz not null,
    to_time         timestamptz not null,
    target_version  text        not null,     -- a version, or "inEffect" (each card's period to its own card)
    source_filter   text,
    model_filter    text,
    aggregates      bigint      not null,     -- aggregate rows re-rated
    old_total_usd   numeric     not null,
    new_total_usd   numeric     not null
);

-- ...and every per-key delta (source × model × dimension × the card it was priced with × the card it is priced with now).
create table rerate_line (
    rerate_id       uuid        not null references rerate (id),
    source          text        not null,
    model_id        text        not null,
    dimension       text        not null,
    from_version    text        not null,
    to_version      text        not null,
    quantity        numeric     not null,
    old_cost_usd    numeric     not null,
    new_cost_usd    numeric     not null,
    primary key (rerate_id, source, model_id, dimension, from_version, to_version)
);

create function refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name;
end $$;
create trigger rerate_append_only before update or delete on rerate for each row execute function refuse_change();
create trigger rerate_line_append_only before update or delete on rerate_line for each row execute function refuse_change();
