-- A SKU's backorders summed over its levels (its counter, numeric since
-- 0016) stay within 2^62 units, as in the memory store: a reservation
-- that would raise the counter past it is refused (a validation error
-- from the transaction path, which names the SKU). The reservation
-- functions of 0015 are made again with that bound; their bodies are
-- 0015's otherwise.
--
-- pgstore_reserve_one: the counter's UPDATE (under the level's row lock)
-- gains one comparison, and when it refuses, pgstore_refuse sends the
-- reservation to the transaction path.
CREATE OR REPLACE FUNCTION pgstore_reserve_one(
    p_id text, p_ref text, p_status text, p_version bigint, p_exp timestamptz, p_ns smallint, p_doc jsonb,
    p_sku text, p_loc text, p_qty bigint,
    e_id text, e_type text, e_kind text, e_agg text, e_ver bigint, e_at timestamptz, e_ns smallint, e_payload jsonb)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    it     inv_items%ROWTYPE;
    active boolean;
    cap    bigint;
    rise   bigint;
BEGIN
    SELECT * INTO it FROM inv_items WHERE sku = p_sku;
    IF NOT FOUND OR NOT it.tracked THEN
        RETURN 'slow';
    END IF;
    SELECT c.active INTO active FROM inv_locations c WHERE c.id = p_loc;
    IF active IS NOT TRUE THEN
        RETURN 'slow';
    END IF;
    INSERT INTO inv_reservations (id, reference, status, version, expires_at, expires_ns, doc)
    VALUES (p_id, p_ref, p_status, p_version, p_exp, p_ns, p_doc)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN 'replay';
    END IF;
    IF e_id IS NOT NULL THEN
        INSERT INTO outbox (id, type, aggregate_kind, aggregate_id, aggregate_version, at, at_ns, payload)
        VALUES (e_id, e_type, e_kind, e_agg, e_ver, e_at, e_ns, e_payload);
    END IF;
    -- The level's cap of backorders: none under allow (NULL), 0 under
    -- deny, the location's allowance within the SKU's limit under preorder.
    cap := CASE WHEN it.mode = 'allow' THEN NULL
                WHEN it.mode <> 'preorder' THEN 0
                WHEN it.location_limits IS NULL THEN it.lim
                ELSE least(coalesce((it.location_limits ->> p_loc)::bigint, 0), it.lim) END;
    UPDATE inv_levels l SET reserved = l.reserved + p_qty, seq = nextval('inv_change_seq')
    WHERE l.sku = p_sku AND l.location = p_loc
      AND (cap IS NULL OR greatest(l.reserved + p_qty - l.on_hand, 0) <= cap)
    RETURNING greatest(l.reserved - l.on_hand, 0) - greatest(l.reserved - p_qty - l.on_hand, 0) INTO rise;
    IF NOT FOUND THEN
        PERFORM pgstore_refuse('reserve', (SELECT json_agg(json_build_object(
            'sku', l.sku, 'location', l.location, 'on_hand', l.on_hand, 'reserved', l.reserved,
            'mode', it.mode, 'limit', it.lim, 'location_limits', it.location_limits, 'active', active))::text
            FROM (SELECT * FROM inv_levels WHERE sku = p_sku AND location = p_loc FOR UPDATE) l));
    END IF;
    IF rise <> 0 THEN
        UPDATE inv_items i SET backordered = i.backordered + rise
        WHERE i.sku = p_sku AND (i.mode <> 'preorder' OR rise < 0 OR i.backordered + rise <= i.lim)
          AND (rise < 0 OR i.backordered + rise <= 4611686018427387904);
        IF NOT FOUND THEN
            PERFORM pgstore_refuse('reserve', NULL);
        END IF;
    END IF;
    RETURN 'ok';
END
$$;

-- pgstore_reserve_batch: a line that raises no backorder needs no room
-- under the preorder limit (one lowered below the backorders taken still
-- lets stock on hand sell, as in the memory store). A reservation whose lines would raise a SKU's
-- counter past the bound is 'alone' (the caller reserves it alone, and the
-- transaction path refuses it). So that it can tell, the batch locks the
-- counters of the SKUs allowing backorders whose levels it may take
-- beyond stock, beside the preorder SKUs' (in SKU order, after the
-- levels), and checks every line's rise, whatever the mode.
CREATE OR REPLACE FUNCTION pgstore_reserve_batch(
    r_id text[], r_ref text[], r_exp timestamptz[], r_ns smallint[], r_doc jsonb[],
    l_res int[], l_sku text[], l_loc text[], l_qty bigint[],
    e_id text[], e_type text[], e_kind text[], e_agg text[], e_ver bigint[], e_at timestamptz[], e_ns smallint[], e_payload jsonb[])
RETURNS TABLE (result text, detail jsonb) LANGUAGE plpgsql
-- Generic plans: its statements take arrays, which would otherwise have
-- them planned anew on every call (about 30% of its CPU for a batch of 8).
-- Each one looks rows up by primary key whatever the arrays hold.
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    nr      int := coalesce(cardinality(r_id), 0);
    nl      int := coalesce(cardinality(l_res), 0);
    nk      int;
    res     text[] := array_fill(NULL::text, ARRAY[nr]);
    det     jsonb[] := array_fill(NULL::jsonb, ARRAY[nr]);
    saved   boolean[] := array_fill(false, ARRAY[nr]);
    -- the items and locations of the lines, read without locks
    i_sku   text[]; i_tr boolean[]; i_mode text[]; i_lim bigint[]; i_ll jsonb[];
    i_bo    bigint[]; pend bigint[]; zero bigint[];
    c_id    text[]; c_act boolean[];
    -- the levels as locked (k_was), and with the accepted reservations
    -- (k_res) and the one being checked (t_res)
    k_sku   text[]; k_loc text[]; k_on bigint[]; k_was bigint[]; k_res bigint[]; t_res bigint[]; k_it int[];
    li      int[]; lk int[];   -- per line: the index of its item, of its level
    pre     text[] := '{}';
    i int; j int; k int; m int; first int; n int;
    q bigint; reserved bigint; before bigint; after bigint; capacity bigint; room bigint;
    short   jsonb; over boolean;
    k_want  numeric[];  -- per level: what the batch's lines ask of it
    s       text; bo bigint;
BEGIN
    IF nl = 0 THEN
        RETURN QUERY SELECT 'alone'::text, NULL::jsonb FROM generate_series(1, nr);
        RETURN;
    END IF;
    SELECT array_agg(it.sku), array_agg(it.tracked), array_agg(it.mode), array_agg(it.lim), array_agg(it.location_limits)
    INTO i_sku, i_tr, i_mode, i_lim, i_ll
    FROM inv_items it WHERE it.sku = ANY (l_sku);
    SELECT array_agg(c.id), array_agg(c.active) INTO c_id, c_act FROM inv_locations c WHERE c.id = ANY (l_loc);
    FOR j IN 1..nl LOOP
        li[j] := array_position(i_sku, l_sku[j]);
        m := array_position(c_id, l_loc[j]);
        IF li[j] IS NULL OR NOT i_tr[li[j]] OR m IS NULL OR NOT c_act[m] THEN
            res[l_res[j]] := 'alone';
        END IF;
    END LOOP;

    -- The writes that need no lock: the reservations and their events.
    FOR s IN WITH ins AS (
        INSERT INTO inv_reservations (id, reference, status, version, expires_at, expires_ns, doc)
        SELECT u.id, u.ref, 'active', 1, u.exp, u.ns, u.doc
        FROM unnest(r_id, r_ref, r_exp, r_ns, r_doc) WITH ORDINALITY AS u(id, ref, exp, ns, doc, n)
        WHERE res[u.n::int] IS NULL
        ORDER BY u.n
        ON CONFLICT (id) DO NOTHING
        RETURNING id)
    SELECT id FROM ins LOOP
        saved[array_position(r_id, s)] := true;
    END LOOP;
    FOR i IN 1..nr LOOP
        IF res[i] IS NULL AND NOT saved[i] THEN
            res[i] := 'replay';
        END IF;
    END LOOP;
    INSERT INTO outbox (id, type, aggregate_kind, aggregate_id, aggregate_version, at, at_ns, payload)
    SELECT e.id, e.type, e.kind, e.agg, e.ver, e.at, e.ns, e.payload
    FROM unnest(e_id, e_type, e_kind, e_agg, e_ver, e_at, e_ns, e_payload) WITH ORDINALITY AS e(id, type, kind, agg, ver, at, ns, payload, n)
    WHERE e.id IS NOT NULL AND saved[e.n::int]
    ORDER BY e.n;

    -- Lock the levels in order, then the preorder SKUs' counters.
    SELECT array_agg(l.sku ORDER BY l.sku, l.location), array_agg(l.location ORDER BY l.sku, l.location),
           array_agg(l.on_hand ORDER BY l.sku, l.location), array_agg(l.reserved ORDER BY l.sku, l.location)
    INTO k_sku, k_loc, k_on, k_was
    FROM (SELECT l.sku, l.location, l.on_hand, l.reserved FROM inv_levels l
          WHERE (l.sku, l.location) IN (SELECT u.sku, u.loc FROM unnest(l_res, l_sku, l_loc) AS u(r, sku, loc) WHERE res[u.r] IS NULL)
          ORDER BY l.sku, l.location FOR UPDATE) l;
    nk := coalesce(cardinality(k_sku), 0);
    k_want := array_fill(0::numeric, ARRAY[greatest(nk, 1)]);
    FOR k IN 1..nk LOOP
        k_it[k] := array_position(i_sku, k_sku[k]);
    END LOOP;
    FOR j IN 1..nl LOOP
        CONTINUE WHEN res[l_res[j]] IS NOT NULL;
        lk[j] := NULL;
        FOR k IN 1..nk LOOP
            IF k_sku[k] = l_sku[j] AND k_loc[k] = l_loc[j] THEN
                lk[j] := k;
                k_want[k] := k_want[k] + l_qty[j];
                EXIT;
            END IF;
        END LOOP;
        IF lk[j] IS NULL THEN
            res[l_res[j]] := 'alone'; -- its level row is missing
        END IF;
    END LOOP;
    -- The counters to lock: the preorder SKUs' (their limit), and those of
    -- the SKUs allowing backorders whose levels the batch may take beyond
    -- stock (their bound, 2^62).
    FOR k IN 1..nk LOOP
        IF (i_mode[k_it[k]] = 'preorder' OR (i_mode[k_it[k]] = 'allow' AND k_was[k] + k_want[k] > k_on[k]))
           AND NOT k_sku[k] = ANY (pre) THEN
            pre := pre || k_sku[k];
        END IF;
    END LOOP;
    i_bo := array_fill(0::bigint, ARRAY[cardinality(i_sku)]);
    zero := i_bo;
    pend := zero;
    FOR s, bo IN SELECT it.sku, least(it.backordered, 4611686018427387904)::bigint FROM inv_items it WHERE it.sku = ANY (pre) ORDER BY it.sku FOR UPDATE LOOP
        i_bo[array_position(i_sku, s)] := bo;
    END LOOP;

    -- Check each reservation in turn against what the earlier ones left.
    k_res := k_was;
    j := 1;
    WHILE j <= nl LOOP
        i := l_res[j];
        first := j;
        WHILE j <= nl AND l_res[j] = i LOOP
            j := j + 1;
        END LOOP;
        CONTINUE WHEN res[i] IS NOT NULL;
        t_res := k_res;
        short := '[]';
        over := false;
        FOR m IN first..j - 1 LOOP
            k := lk[m];
            n := li[m];
            q := l_qty[m];
            reserved := t_res[k];
            t_res[k] := reserved + q;
            before := greatest(reserved - k_on[k], 0);
            after := greatest(reserved + q - k_on[k], 0);
            IF i_mode[n] <> 'allow' THEN
                IF i_mode[n] = 'preorder' THEN
                    capacity := CASE WHEN i_ll[n] IS NULL THEN i_lim[n]
                                     ELSE least(coalesce((i_ll[n] ->> l_loc[m])::bigint, 0), i_lim[n]) END;
                    room := i_lim[n] - i_bo[n] - pend[n];
                ELSE
                    capacity := 0;
                    room := 9223372036854775807;
                END IF;
                -- A line that raises no backorder needs no room: a limit
                -- lowered below the backorders taken still lets stock sell.
                IF after > capacity OR (after > before AND after - before > room) THEN
                    short := short || jsonb_build_object('line', m - first,
                        'available', greatest(k_on[k] - reserved, 0) + greatest(least(capacity - before, room), 0));
                    CONTINUE;
                END IF;
            END IF;
            -- The SKU's backorders stay within 2^62 (a reservation alone
            -- names the SKU in a validation error).
            IF after - before > 4611686018427387904 - i_bo[n] - pend[n] THEN
                over := true;
                EXIT;
            END IF;
            pend[n] := pend[n] + after - before;
        END LOOP;
        pend := zero;
        IF over THEN
            res[i] := 'alone';
        ELSIF jsonb_array_length(short) > 0 THEN
            res[i] := 'short';
            det[i] := short;
        ELSE
            res[i] := 'ok';
            FOR k IN 1..nk LOOP
                IF t_res[k] <> k_res[k] THEN
                    n := k_it[k];
                    i_bo[n] := i_bo[n] + greatest(t_res[k] - k_on[k], 0) - greatest(k_res[k] - k_on[k], 0);
                END IF;
            END LOOP;
            k_res := t_res;
        END IF;
    END LOOP;

    -- Write the levels and counters once, with what was accepted; drop the
    -- rows of the reservations refused after they were saved.
    UPDATE inv_levels l SET reserved = u.now_r, seq = nextval('inv_change_seq')
    FROM (SELECT * FROM unnest(k_sku, k_loc, k_was, k_res) AS u(sku, loc, was, now_r) WHERE u.now_r <> u.was ORDER BY 1, 2) u
    WHERE l.sku = u.sku AND l.location = u.loc AND l.reserved = u.was;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> (SELECT count(*) FROM unnest(k_was, k_res) AS u(was, now_r) WHERE u.now_r <> u.was) THEN
        RAISE EXCEPTION 'pgstore_reserve_batch: % levels changed under their locks', n;
    END IF;
    UPDATE inv_items it SET backordered = it.backordered + u.d
    FROM (SELECT u.sku, sum(greatest(u.now_r - u.on_hand, 0) - greatest(u.was - u.on_hand, 0))::bigint AS d
          FROM unnest(k_sku, k_on, k_was, k_res) AS u(sku, on_hand, was, now_r)
          GROUP BY u.sku HAVING sum(greatest(u.now_r - u.on_hand, 0) - greatest(u.was - u.on_hand, 0)) <> 0 ORDER BY 1) u
    WHERE it.sku = u.sku AND (it.mode <> 'preorder' OR u.d < 0 OR it.backordered + u.d <= it.lim)
      AND (u.d < 0 OR it.backordered + u.d <= 4611686018427387904);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> (SELECT count(*) FROM (SELECT 1 FROM unnest(k_sku, k_on, k_was, k_res) AS u(sku, on_hand, was, now_r)
             GROUP BY u.sku HAVING sum(greatest(u.now_r - u.on_hand, 0) - greatest(u.was - u.on_hand, 0)) <> 0) x) THEN
        RAISE EXCEPTION 'pgstore_reserve_batch: % counters refused under their locks', n;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(saved, res) AS u(sv, r) WHERE u.sv AND u.r <> 'ok') THEN
        DELETE FROM inv_reservations WHERE id IN (SELECT u.id FROM unnest(r_id, saved, res) AS u(id, sv, r) WHERE u.sv AND u.r <> 'ok');
        DELETE FROM outbox WHERE id IN (SELECT u.id FROM unnest(e_id, saved, res) AS u(id, sv, r) WHERE u.sv AND u.r <> 'ok' AND u.id IS NOT NULL);
    END IF;
    RETURN QUERY SELECT res[u.n::int], det[u.n::int] FROM generate_series(1, nr) WITH ORDINALITY AS u(x, n) ORDER BY u.n;
END
$$;
