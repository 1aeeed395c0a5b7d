-- FreshFoodz demo data generator (deterministic, set-based).
--
-- Placeholders, substituted textually before execution:
--   {{seed}}       bigint   PRNG seed
--   {{customers}}  int      number of customers
--   {{as_of}}      date literal, already quoted ('2026-11-01'); "today" of the data set
--
-- The file is a list of steps. Each step is exactly ONE statement and is preceded by a line
-- "-- step: <label>". Same seed + customers + as_of => identical table contents (ids
-- included): no random()/now()/clock functions, all randomness comes from
-- cutover_seed.rnd(seed, stream, id), a hash of (seed, stream, id) in [0,1). Each stream
-- number serves one purpose (500 is shared on purpose: customers who order more often also
-- order more per order). Timestamps are built as local Europe/Berlin times
-- with AT TIME ZONE, so the stored instants do not depend on the session TimeZone.
-- Helper objects live in schema cutover_seed, which is dropped at the end.
-- Expects V001 applied; crm tables other than crm.territories are truncated first.

-- step: truncate crm tables
TRUNCATE crm.activities, crm.orders, crm.samples, crm.lead_protections, crm.contacts,
         crm.customers, crm.user_territories, crm.users RESTART IDENTITY CASCADE;

-- step: session settings
-- Session-level (not LOCAL, each step may run in its own transaction): bigger sort memory,
-- no JIT (compiling costs ~0.5 s per big step and does not pay off here). Restored at the end.
SELECT set_config('work_mem', '64MB', false), set_config('jit', 'off', false);

-- step: drop leftover helper schema
DROP SCHEMA IF EXISTS cutover_seed CASCADE;

-- step: create helper schema
CREATE SCHEMA cutover_seed;

-- step: helper function rnd
-- Uniform [0,1) from (seed, stream, id). Inlinable; the inner hash folds to a constant when
-- seed and stream are literals, so each call costs one hashint8extended.
CREATE FUNCTION cutover_seed.rnd(seed bigint, stream int, id bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (hashint8extended(id, hashint8extended(stream::bigint, seed)) & 9007199254740991)::float8
          / 9007199254740992.0::float8 $$;

-- step: helper function pick
CREATE FUNCTION cutover_seed.pick(arr text[], r float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT arr[1 + floor(r * cardinality(arr))::int] $$;

-- step: helper function fold
-- ASCII folding for e-mail addresses and domains (umlauts -> ae/oe/ue, ß -> ss, lower case).
CREATE FUNCTION cutover_seed.fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT lower(replace(replace(replace(replace(replace(replace(replace(replace(s,
          'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'Ä', 'Ae'), 'Ö', 'Oe'), 'Ü', 'Ue'), 'ß', 'ss'), 'é', 'e')) $$;

-- step: helper function first_names
CREATE FUNCTION cutover_seed.first_names() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ARRAY['Thomas','Michael','Andreas','Stefan','Markus','Christian','Peter','Wolfgang',
  'Klaus','Jürgen','Frank','Matthias','Alexander','Tobias','Florian','Sebastian','Maximilian',
  'Lukas','Jonas','Felix','Benedikt','Georg','Josef','Franz','Xaver','Martin','Daniel','Jan',
  'Uwe','Dirk','Ralf','Sven','Niklas','Moritz','Johannes','Quirin','Korbinian','Leonhard',
  'Sabine','Petra','Claudia','Andrea','Susanne','Monika','Birgit','Katrin','Stefanie','Julia',
  'Anna','Laura','Lena','Sophie','Marie','Katharina','Christina','Nicole','Sandra','Melanie',
  'Martina','Anja','Eva','Franziska','Theresa','Veronika','Ursula','Heike','Jana','Lisa',
  'Miriam','Carina','Johanna','Elisabeth','Barbara','Magdalena','Regina','Silke']::text[] $$;

-- step: helper function last_names
CREATE FUNCTION cutover_seed.last_names() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner','Becker',
  'Schulz','Hoffmann','Schäfer','Koch','Bauer','Richter','Klein','Wolf','Schröder','Neumann',
  'Schwarz','Zimmermann','Braun','Krüger','Hofmann','Hartmann','Lange','Schmitt','Werner',
  'Schmitz','Krause','Meier','Lehmann','Schmid','Schulze','Maier','Köhler','Herrmann','König',
  'Walter','Mayer','Huber','Kaiser','Fuchs','Peters','Lang','Scholz','Möller','Weiß','Jung',
  'Hahn','Schubert','Vogel','Friedrich','Keller','Günther','Frank','Berger','Winkler','Roth',
  'Beck','Lorenz','Baumann','Franke','Albrecht','Schuster','Simon','Ludwig','Böhm','Winter',
  'Kraus','Martin','Schumacher','Krämer','Vogt','Stein','Jäger','Otto','Sommer','Groß',
  'Seidel','Heinrich','Brandt','Haas','Schreiber','Graf','Dietrich','Ziegler','Kuhn','Pohl',
  'Engel','Horn','Busch','Bergmann','Voigt','Sauer','Arnold','Pfeiffer','Gruber','Brunner',
  'Steiner','Moser','Hofer','Leitner','Wimmer','Obermaier','Huber','Eder','Reiter','Egger',
  'Gerber','Frei','Baumgartner','Zürcher','Ammann']::text[] $$;

-- step: helper table territories
-- weight = share of customers in percent; lo/hi = cumulative range in 0..100;
-- n_reps = ~1 sales rep per 400 customers, at least 2; the reps of a territory have the
-- consecutive user ids first_rep_id .. first_rep_id + n_reps - 1 (ids 1..3 are the country
-- managers), so "a random rep of the territory" is plain arithmetic, no join;
-- neighbor = optional second territory of some reps.
CREATE TABLE cutover_seed.terr AS
SELECT x.*,
       (4 + sum(x.n_reps) OVER (ORDER BY x.ord) - x.n_reps)::bigint AS first_rep_id
FROM (
SELECT v.code, v.ord, t.country, v.weight,
       (sum(v.weight) OVER (ORDER BY v.ord) - v.weight)::int AS lo,
       sum(v.weight) OVER (ORDER BY v.ord)::int AS hi,
       greatest(2, round({{customers}}::numeric * v.weight / 100.0 / 400.0))::int AS n_reps,
       v.neighbor, v.tld, v.mobile
FROM (VALUES
    ('DE-BY', 1, 22, 'DE-BW', 'de', ARRAY['+49 151','+49 160','+49 170','+49 176']),
    ('DE-BW', 2, 15, 'DE-HE', 'de', ARRAY['+49 151','+49 160','+49 170','+49 176']),
    ('DE-BE', 3, 10, 'DE-HH', 'de', ARRAY['+49 151','+49 160','+49 170','+49 176']),
    ('DE-HH', 4,  7, 'DE-BE', 'de', ARRAY['+49 151','+49 160','+49 170','+49 176']),
    ('DE-NW', 5, 24, 'DE-HE', 'de', ARRAY['+49 151','+49 160','+49 170','+49 176']),
    ('DE-HE', 6, 10, 'DE-NW', 'de', ARRAY['+49 151','+49 160','+49 170','+49 176']),
    ('AT-W',  7,  7, NULL,    'at', ARRAY['+43 664','+43 676','+43 699']),
    ('CH-ZH', 8,  5, NULL,    'ch', ARRAY['+41 79','+41 76','+41 78'])
) AS v(code, ord, weight, neighbor, tld, mobile)
JOIN crm.territories t ON t.code = v.code
) AS x;

-- step: helper table cities
-- lo/hi = cumulative weight range within the territory (0..units); postal codes
-- plz_lo + k*plz_step <= plz_hi; phone = landline prefix.
CREATE TABLE cutover_seed.cities AS
SELECT v.territory_code, v.city, v.plz_lo, v.plz_hi, v.plz_step, v.digits, v.phone,
       (sum(v.weight) OVER w - v.weight)::int AS lo,
       sum(v.weight) OVER w::int AS hi,
       sum(v.weight) OVER (PARTITION BY v.territory_code)::int AS units
FROM (VALUES
    ('DE-BY', 1, 'München',                10, 80331, 81929, 1, 5, '+49 89'),
    ('DE-BY', 2, 'Nürnberg',                4, 90402, 90491, 1, 5, '+49 911'),
    ('DE-BY', 3, 'Augsburg',                3, 86150, 86199, 1, 5, '+49 821'),
    ('DE-BY', 4, 'Regensburg',              2, 93047, 93059, 1, 5, '+49 941'),
    ('DE-BY', 5, 'Würzburg',                2, 97070, 97084, 1, 5, '+49 931'),
    ('DE-BY', 6, 'Ingolstadt',              2, 85049, 85057, 1, 5, '+49 841'),
    ('DE-BY', 7, 'Rosenheim',               1, 83022, 83026, 1, 5, '+49 8031'),
    ('DE-BY', 8, 'Garmisch-Partenkirchen',  1, 82467, 82467, 1, 5, '+49 8821'),
    ('DE-BY', 9, 'Bamberg',                 1, 96047, 96052, 1, 5, '+49 951'),
    ('DE-BY',10, 'Passau',                  1, 94032, 94036, 1, 5, '+49 851'),
    ('DE-BW', 1, 'Stuttgart',               6, 70173, 70629, 1, 5, '+49 711'),
    ('DE-BW', 2, 'Mannheim',                3, 68159, 68309, 1, 5, '+49 621'),
    ('DE-BW', 3, 'Karlsruhe',               3, 76131, 76229, 1, 5, '+49 721'),
    ('DE-BW', 4, 'Freiburg im Breisgau',    2, 79098, 79117, 1, 5, '+49 761'),
    ('DE-BW', 5, 'Heidelberg',              2, 69115, 69126, 1, 5, '+49 6221'),
    ('DE-BW', 6, 'Ulm',                     2, 89073, 89081, 1, 5, '+49 731'),
    ('DE-BW', 7, 'Konstanz',                1, 78462, 78467, 1, 5, '+49 7531'),
    ('DE-BW', 8, 'Tübingen',                1, 72070, 72076, 1, 5, '+49 7071'),
    ('DE-BE', 1, 'Berlin',                  1, 10115, 14199, 1, 5, '+49 30'),
    ('DE-HH', 1, 'Hamburg',                 1, 20095, 22769, 1, 5, '+49 40'),
    ('DE-NW', 1, 'Köln',                    6, 50667, 51149, 1, 5, '+49 221'),
    ('DE-NW', 2, 'Düsseldorf',              4, 40210, 40629, 1, 5, '+49 211'),
    ('DE-NW', 3, 'Dortmund',                4, 44135, 44388, 1, 5, '+49 231'),
    ('DE-NW', 4, 'Essen',                   3, 45127, 45359, 1, 5, '+49 201'),
    ('DE-NW', 5, 'Duisburg',                2, 47051, 47279, 1, 5, '+49 203'),
    ('DE-NW', 6, 'Bochum',                  2, 44787, 44894, 1, 5, '+49 234'),
    ('DE-NW', 7, 'Münster',                 2, 48143, 48167, 1, 5, '+49 251'),
    ('DE-NW', 8, 'Bonn',                    2, 53111, 53229, 1, 5, '+49 228'),
    ('DE-NW', 9, 'Aachen',                  2, 52062, 52080, 1, 5, '+49 241'),
    ('DE-NW',10, 'Bielefeld',               2, 33602, 33739, 1, 5, '+49 521'),
    ('DE-HE', 1, 'Frankfurt am Main',       6, 60306, 60599, 1, 5, '+49 69'),
    ('DE-HE', 2, 'Wiesbaden',               3, 65183, 65207, 1, 5, '+49 611'),
    ('DE-HE', 3, 'Kassel',                  2, 34117, 34134, 1, 5, '+49 561'),
    ('DE-HE', 4, 'Darmstadt',               2, 64283, 64297, 1, 5, '+49 6151'),
    ('DE-HE', 5, 'Offenbach am Main',       1, 63065, 63075, 1, 5, '+49 69'),
    ('DE-HE', 6, 'Marburg',                 1, 35037, 35043, 1, 5, '+49 6421'),
    ('DE-HE', 7, 'Fulda',                   1, 36037, 36043, 1, 5, '+49 661'),
    ('AT-W',  1, 'Wien',                    1,  1010,  1230,10, 4, '+43 1'),
    ('CH-ZH', 1, 'Zürich',                  6,  8001,  8057, 1, 4, '+41 44'),
    ('CH-ZH', 2, 'Winterthur',              2,  8400,  8411, 1, 4, '+41 52'),
    ('CH-ZH', 3, 'Uster',                   1,  8610,  8610, 1, 4, '+41 44'),
    ('CH-ZH', 4, 'Dübendorf',               1,  8600,  8600, 1, 4, '+41 44')
) AS v(territory_code, ord, city, weight, plz_lo, plz_hi, plz_step, digits, phone)
WINDOW w AS (PARTITION BY v.territory_code ORDER BY v.ord);

-- step: helper table sales reps
-- One row per sales rep and home territory; rep_no 1..n_reps within the territory.
-- User ids: 1..3 are the country managers (DE, AT, CH), reps follow.
CREATE TABLE cutover_seed.reps AS
SELECT t.first_rep_id + k - 1 AS user_id,
       t.code AS territory_code, k AS rep_no, t.neighbor
FROM cutover_seed.terr t
CROSS JOIN LATERAL generate_series(1, t.n_reps) AS k;

-- step: users
INSERT INTO crm.users (id, name, email, role, created_at)
SELECT u.id,
       u.first_name || ' ' || u.last_name,
       cutover_seed.fold(u.first_name) || '.' || cutover_seed.fold(u.last_name)
         || CASE WHEN u.dup > 1 THEN u.dup::text ELSE '' END || '@freshfoodz.de',
       u.role,
       (({{as_of}}::date - u.days_back) + time '08:00'
         + make_interval(mins => floor(cutover_seed.rnd({{seed}}, 13, u.id) * 600)::int))
         AT TIME ZONE 'Europe/Berlin'
FROM (
    SELECT n.*,
           row_number() OVER (PARTITION BY cutover_seed.fold(n.first_name), cutover_seed.fold(n.last_name)
                              ORDER BY n.id) AS dup
    FROM (
        SELECT a.id, a.role,
               cutover_seed.pick(cutover_seed.first_names(), cutover_seed.rnd({{seed}}, 10, a.id)) AS first_name,
               cutover_seed.pick(cutover_seed.last_names(),  cutover_seed.rnd({{seed}}, 11, a.id)) AS last_name,
               (100 + floor(cutover_seed.rnd({{seed}}, 12, a.id) * 3000))::int AS days_back
        FROM (
            SELECT m::bigint AS id, 'MANAGER'::text AS role FROM generate_series(1, 3) AS m
            UNION ALL
            SELECT r.user_id, 'SALES_REP' FROM cutover_seed.reps r
        ) AS a
    ) AS n
) AS u
ORDER BY u.id;

-- step: user territories
-- Managers: every territory of their country. Reps: home territory, ~25% also a neighbor.
INSERT INTO crm.user_territories (user_id, territory_code)
SELECT x.user_id, x.territory_code
FROM (
    SELECT m.id AS user_id, t.code AS territory_code
    FROM (VALUES (1::bigint, 'DE'), (2::bigint, 'AT'), (3::bigint, 'CH')) AS m(id, country)
    JOIN cutover_seed.terr t ON t.country = m.country
    UNION ALL
    SELECT r.user_id, r.territory_code FROM cutover_seed.reps r
    UNION ALL
    SELECT r.user_id, r.neighbor FROM cutover_seed.reps r
    WHERE r.neighbor IS NOT NULL AND cutover_seed.rnd({{seed}}, 20, r.user_id) < 0.25
) AS x
ORDER BY x.user_id, x.territory_code;

-- step: customers
-- Ids grow with created_at (id 1 ~10 years before as_of, the last id one day before).
-- Status depends on age: young accounts are mostly leads; overall ~20/15/55/10 %.
INSERT INTO crm.customers (id, name, segment, status, territory_code, owner_id,
                           street, postal_code, city, created_at, updated_at)
SELECT b.id,
       CASE b.segment
         WHEN 'RESTAURANT' THEN CASE
           WHEN b.u_pat < 0.55 THEN
             cutover_seed.pick(ARRAY['Gasthof','Gasthaus','Wirtshaus','Landgasthof','Restaurant',
                 'Brauhaus','Weinstube','Bistro','Brauereigasthof','Gaststätte'], b.u_w1)
             || ' ' ||
             cutover_seed.pick(ARRAY['Zur Linde','Zum Hirschen','Zum Goldenen Adler','Zur Post',
                 'Zum Löwen','Zur Krone','Zum Ochsen','Zum Schwan','Zur Sonne','Zum Stern',
                 'Zum Bären','Zum Rössle','Zur Traube','Zum Lamm','Am Markt','Am See','Am Rathaus',
                 'Am Stadttor','Am Mühlbach','Zur alten Mühle','Zum Schwarzen Bären',
                 'Zum Weißen Rössl','Zum Grünen Baum','Am Dom','Zur Eiche','Am Schlossberg'], b.u_w2)
             || CASE WHEN b.u_w3 < 0.3 THEN ' – Inh. ' || b.last_name ELSE '' END
           WHEN b.u_pat < 0.70 THEN
             cutover_seed.pick(ARRAY['Ristorante','Trattoria','Pizzeria','Osteria'], b.u_w1)
             || ' ' ||
             cutover_seed.pick(ARRAY['Da Marco','Da Luigi','Da Giovanni','Bella Italia','La Piazza',
                 'Il Gabbiano','Roma','Venezia','Toscana','La Stella','Da Enzo','Portofino'], b.u_w2)
           WHEN b.u_pat < 0.85 THEN 'Restaurant ' || b.last_name
           ELSE b.last_name || CASE WHEN right(b.last_name, 1) IN ('s', 'ß', 'z', 'x') THEN '''' ELSE 's' END
                || ' ' || cutover_seed.pick(ARRAY['Wirtshaus','Küche','Stuben','Bistro','Einkehr',
                    'Dorfwirtschaft'], b.u_w2)
         END
         WHEN 'HOTEL' THEN
           cutover_seed.pick(ARRAY['Hotel','Hotel','Landhotel','Parkhotel','Romantik Hotel',
               'Hotel Garni','Berghotel','Wellnesshotel','Boutique Hotel','Stadthotel'], b.u_w1)
           || ' ' ||
           CASE WHEN b.u_pat < 0.85 THEN
             cutover_seed.pick(ARRAY['Alpenblick','Sonnenhof','Seeblick','Bellevue','Kaiserhof',
                 'Zur Post','Am Dom','Residenz','Stadtpalais','Lindenhof','Schlossblick',
                 'Waldesruh','Bergfried','Rheinblick','Krone','Adler','Bayerischer Hof',
                 'Europäischer Hof','Goldener Hirsch','Am Park','Tannenhof','Edelweiss'], b.u_w2)
             || CASE WHEN b.u_w3 < 0.35 THEN ' ' || b.city ELSE '' END
           ELSE b.last_name END
         WHEN 'KANTINE' THEN
           cutover_seed.pick(ARRAY['Betriebskantine','Kantine','Betriebsrestaurant',
               'Mitarbeiterrestaurant','Casino'], b.u_w1)
           || ' ' ||
           CASE WHEN b.u_pat < 0.6 THEN
             cutover_seed.pick(ARRAY['Siemens','Bosch','Allianz','BMW','Audi','MAN','Bayer','BASF',
                 'Henkel','Telekom','Deutsche Bahn','Lufthansa','Continental','Thyssenkrupp',
                 'Rewe Group','Miele','Trumpf','Zeiss','SAP','Infineon','Porsche','Merck'], b.u_w2)
             || cutover_seed.pick(ARRAY[' Süd',' Nord',' West',' Ost',' Werk 1',' Werk 2',
                 ' Zentrale',' Campus',' Hauptverwaltung','',''], b.u_w3)
           ELSE
             cutover_seed.pick(ARRAY['Stadtwerke','Klinikum','Landratsamt','Sparkasse',
                 'Universität','Finanzamt','Rathaus','Amtsgericht','Polizeipräsidium',
                 'Berufsschule','Volksbank','Verkehrsbetriebe'], b.u_w2) || ' ' || b.city
           END
         ELSE
           CASE WHEN b.u_pat < 0.35 THEN 'Partyservice ' || b.last_name
                WHEN b.u_pat < 0.55 THEN 'Catering ' || b.last_name
                WHEN b.u_pat < 0.70 THEN b.last_name || ' Catering'
                WHEN b.u_pat < 0.80 THEN b.last_name || ' Eventcatering'
                WHEN b.u_pat < 0.90 THEN 'Metzgerei & Partyservice ' || b.last_name
                ELSE 'Feinkost ' || b.last_name || ' Catering & Events' END
       END AS name,
       b.segment, b.status, b.territory_code,
       CASE WHEN b.status = 'LEAD' AND b.u_unowned < 0.05 THEN NULL
            ELSE b.first_rep_id + floor(b.u_owner * b.n_reps)::bigint END,
       cutover_seed.pick(ARRAY['Hauptstraße','Bahnhofstraße','Marktplatz','Kirchstraße',
           'Schulstraße','Gartenstraße','Dorfstraße','Lindenstraße','Bergstraße','Am Anger',
           'Königstraße','Goethestraße','Schillerstraße','Mozartstraße','Friedrichstraße',
           'Industriestraße','Gewerbering','Am Hafen','Rathausplatz','Mühlweg','Ringstraße',
           'Poststraße','Wiesenweg','Kastanienallee','Feldstraße','Parkstraße','Talstraße',
           'Waldstraße','Brunnengasse','Schlossplatz'], b.u_street)
         || ' ' || (1 + floor(b.u_no * 120))::int
         || CASE WHEN floor(b.u_no * 1200)::int % 10 = 0 THEN 'a' ELSE '' END,
       lpad((b.plz_lo + b.plz_step * floor(b.u_plz * ((b.plz_hi - b.plz_lo) / b.plz_step + 1)))::int::text,
            b.digits, '0'),
       b.city,
       b.created_at,
       b.created_at + make_interval(mins => floor(b.u_upd * (b.days_back - 1) * 1440)::int)
FROM (
    SELECT g.*, t.code AS territory_code, t.n_reps, t.first_rep_id,
           ci.city, ci.plz_lo, ci.plz_hi, ci.plz_step, ci.digits,
           CASE WHEN g.u_seg < 0.50 THEN 'RESTAURANT' WHEN g.u_seg < 0.70 THEN 'HOTEL'
                WHEN g.u_seg < 0.85 THEN 'KANTINE' ELSE 'CATERING' END AS segment,
           CASE WHEN g.days_back < 365 THEN
                  CASE WHEN g.u_status < 0.60 THEN 'LEAD' WHEN g.u_status < 0.85 THEN 'PROSPECT'
                       ELSE 'ACTIVE' END
                ELSE
                  CASE WHEN g.u_status < 0.12 THEN 'LEAD' WHEN g.u_status < 0.25 THEN 'PROSPECT'
                       WHEN g.u_status < 0.88 THEN 'ACTIVE' ELSE 'INACTIVE' END
           END AS status,
           cutover_seed.pick(cutover_seed.last_names(), g.u_ln) AS last_name,
           (({{as_of}}::date - g.days_back) + time '07:00'
             + make_interval(mins => floor(g.u_time * 660)::int)) AT TIME ZONE 'Europe/Berlin' AS created_at
    FROM (
        SELECT s.id,
               (1 + floor(3649 * power(1.0 - (s.id - 1)::float8 / {{customers}}, 1.3)))::int AS days_back,
               cutover_seed.rnd({{seed}}, 100, s.id) AS u_terr,
               cutover_seed.rnd({{seed}}, 101, s.id) AS u_city,
               cutover_seed.rnd({{seed}}, 102, s.id) AS u_seg,
               cutover_seed.rnd({{seed}}, 103, s.id) AS u_status,
               cutover_seed.rnd({{seed}}, 104, s.id) AS u_owner,
               cutover_seed.rnd({{seed}}, 105, s.id) AS u_unowned,
               cutover_seed.rnd({{seed}}, 106, s.id) AS u_pat,
               cutover_seed.rnd({{seed}}, 107, s.id) AS u_w1,
               cutover_seed.rnd({{seed}}, 108, s.id) AS u_w2,
               cutover_seed.rnd({{seed}}, 109, s.id) AS u_w3,
               cutover_seed.rnd({{seed}}, 110, s.id) AS u_ln,
               cutover_seed.rnd({{seed}}, 111, s.id) AS u_street,
               cutover_seed.rnd({{seed}}, 112, s.id) AS u_no,
               cutover_seed.rnd({{seed}}, 113, s.id) AS u_plz,
               cutover_seed.rnd({{seed}}, 114, s.id) AS u_time,
               cutover_seed.rnd({{seed}}, 115, s.id) AS u_upd
        FROM generate_series(1::bigint, {{customers}}::bigint) AS s(id)
    ) AS g
    JOIN cutover_seed.terr t
      ON floor(g.u_terr * 100) >= t.lo AND floor(g.u_terr * 100) < t.hi
    JOIN cutover_seed.cities ci
      ON ci.territory_code = t.code
     AND floor(g.u_city * ci.units) >= ci.lo AND floor(g.u_city * ci.units) < ci.hi
) AS b
ORDER BY b.id;

-- step: contacts
-- 1-4 contacts per customer (avg ~2.3). Contacts 1..3 get distinct roles and are primary;
-- a 4th contact repeats the role of the first and is not primary => exactly one primary
-- per role present.
INSERT INTO crm.contacts (id, customer_id, role, first_name, last_name, email, phone, is_primary)
SELECT row_number() OVER (ORDER BY x.customer_id, x.k),
       x.customer_id, x.role, x.first_name, x.last_name,
       CASE WHEN x.u_mail < 0.45 THEN
              cutover_seed.fold(x.first_name) || '.' || cutover_seed.fold(x.last_name) || '@' || x.domain
            WHEN x.u_mail < 0.60 THEN
              CASE x.role WHEN 'CHEF' THEN 'kueche' WHEN 'BUYER' THEN 'einkauf' ELSE 'info' END
              || '@' || x.domain
            WHEN x.u_mail < 0.85 THEN
              cutover_seed.fold(x.first_name) || '.' || cutover_seed.fold(x.last_name)
              || (10 + floor(x.u_mail * 1000)::int % 90)
              || '@' || cutover_seed.pick(CASE x.tld
                              WHEN 'at' THEN ARRAY['gmx.at','aon.at','gmail.com','outlook.com']
                              WHEN 'ch' THEN ARRAY['bluewin.ch','gmx.ch','gmail.com','outlook.com']
                              ELSE ARRAY['gmx.de','web.de','t-online.de','gmail.com','outlook.com'] END,
                            x.u_mail2)
            ELSE NULL END,
       CASE WHEN x.u_phone < 0.65 THEN x.phone || ' ' || (100000 + floor(x.u_phone2 * 8900000))::int
            WHEN x.u_phone < 0.90 THEN
              cutover_seed.pick(x.mobile, x.u_phone2) || ' ' || (1000000 + floor(x.u_phone3 * 8999999))::int
            ELSE NULL END,
       x.k <= 3
FROM (
    SELECT c.id AS customer_id, k,
           (ARRAY['CHEF','BUYER','GF'])[1 + (floor(cutover_seed.rnd({{seed}}, 201, c.id) * 3)::int
                                             + CASE WHEN k <= 3 THEN k - 1 ELSE 0 END) % 3] AS role,
           cutover_seed.pick(cutover_seed.first_names(), cutover_seed.rnd({{seed}}, 202, c.id * 8 + k)) AS first_name,
           cutover_seed.pick(cutover_seed.last_names(),  cutover_seed.rnd({{seed}}, 203, c.id * 8 + k)) AS last_name,
           cutover_seed.rnd({{seed}}, 204, c.id * 8 + k) AS u_mail,
           cutover_seed.rnd({{seed}}, 205, c.id * 8 + k) AS u_mail2,
           cutover_seed.rnd({{seed}}, 206, c.id * 8 + k) AS u_phone,
           cutover_seed.rnd({{seed}}, 207, c.id * 8 + k) AS u_phone2,
           cutover_seed.rnd({{seed}}, 208, c.id * 8 + k) AS u_phone3,
           trim(BOTH '-' FROM regexp_replace(cutover_seed.fold(split_part(c.name, ' – ', 1)), '[^a-z0-9]+', '-', 'g'))
             || '.' || t.tld AS domain,
           ci.phone, t.mobile, t.tld
    FROM crm.customers c
    JOIN cutover_seed.terr t ON t.code = c.territory_code
    JOIN cutover_seed.cities ci ON ci.territory_code = c.territory_code AND ci.city = c.city
    CROSS JOIN LATERAL generate_series(1,
        CASE WHEN cutover_seed.rnd({{seed}}, 200, c.id) < 0.25 THEN 1
             WHEN cutover_seed.rnd({{seed}}, 200, c.id) < 0.60 THEN 2
             WHEN cutover_seed.rnd({{seed}}, 200, c.id) < 0.85 THEN 3
             ELSE 4 END) AS k
) AS x;

-- step: lead protections
-- Half of the leads; usually protected for the account owner, sometimes for another rep of
-- the territory (or any rep if the lead has no owner).
INSERT INTO crm.lead_protections (customer_id, owner_id, protected_until, reason)
SELECT c.id,
       CASE WHEN c.owner_id IS NOT NULL AND cutover_seed.rnd({{seed}}, 301, c.id) < 0.85
            THEN c.owner_id
            ELSE t.first_rep_id + floor(cutover_seed.rnd({{seed}}, 304, c.id) * t.n_reps)::bigint END,
       {{as_of}}::date - 30 + floor(cutover_seed.rnd({{seed}}, 302, c.id) * 121)::int,
       cutover_seed.pick(ARRAY['Erstkontakt Messe Internorga','Erstkontakt Messe Intergastra',
           'Empfehlung durch Bestandskunde','Kaltakquise','Verkostung vereinbart',
           'Anfrage über Website','Neueröffnung','Pächterwechsel', NULL, NULL],
           cutover_seed.rnd({{seed}}, 303, c.id))
FROM crm.customers c
JOIN cutover_seed.terr t ON t.code = c.territory_code
WHERE c.status = 'LEAD' AND cutover_seed.rnd({{seed}}, 300, c.id) < 0.5
ORDER BY c.id;

-- step: samples
-- ~0.5 per customer (leads/prospects more), sent in the last 120 days (not before the
-- customer existed), feedback + rating on ~60% of those older than a few days,
-- follow-up due after 14 days, followed up on most due ones.
INSERT INTO crm.samples (id, customer_id, contact_id, product, sent_at, feedback, rating,
                         follow_up_due, followed_up_at)
SELECT row_number() OVER (ORDER BY s.sent_at, s.customer_id, s.k),
       s.customer_id, s.contact_id, s.product, s.sent_at,
       CASE WHEN s.rating IS NOT NULL THEN
         (ARRAY['Qualität nicht überzeugend','Zu teuer für die Qualität','Ware beschädigt angekommen',
                'Geschmack in Ordnung, Preis zu hoch','Konsistenz nicht wie erwartet','Haltbarkeit zu kurz',
                'Solide, aber kein Ersatz für aktuellen Lieferanten','Gut, Gebindegröße passt nicht','Ordentlich, Gäste neutral',
                'Sehr gute Qualität, Küche zufrieden','Gäste-Feedback positiv','Gut, Preisangebot gewünscht',
                'Hervorragend, möchte bestellen','Küchenchef begeistert','Beste Qualität bisher'])
           [(s.rating - 1) * 3 + 1 + floor(cutover_seed.rnd({{seed}}, 409, s.sid) * 3)::int]
       END,
       s.rating, s.sent_at + 14,
       CASE WHEN s.sent_at + 14 < {{as_of}}::date AND cutover_seed.rnd({{seed}}, 410, s.sid) < 0.7
            THEN least({{as_of}}::date - 1, s.sent_at + 7 + floor(cutover_seed.rnd({{seed}}, 411, s.sid) * 21)::int)
       END
FROM (
    SELECT y.*,
           CASE WHEN y.sent_at <= {{as_of}}::date - 5 AND cutover_seed.rnd({{seed}}, 406, y.sid) < 0.62 THEN
             CASE WHEN cutover_seed.rnd({{seed}}, 407, y.sid) < 0.05 THEN 1
                  WHEN cutover_seed.rnd({{seed}}, 407, y.sid) < 0.15 THEN 2
                  WHEN cutover_seed.rnd({{seed}}, 407, y.sid) < 0.40 THEN 3
                  WHEN cutover_seed.rnd({{seed}}, 407, y.sid) < 0.75 THEN 4
                  ELSE 5 END
           END::smallint AS rating
    FROM (
        SELECT c.id AS customer_id, k, c.id * 8 + k AS sid,
               CASE WHEN cutover_seed.rnd({{seed}}, 402, c.id * 8 + k) < 0.1 THEN NULL
                    ELSE cc.first_id + floor(cutover_seed.rnd({{seed}}, 403, c.id * 8 + k) * cc.n)::bigint END
                 AS contact_id,
               cutover_seed.pick(ARRAY['Spargel weiß Klasse I','Spargel grün','Bio-Rinderfilet',
                   'Weißwurst','Bergkäse','Kalbsbratwurst','Leberkäse','Schweinshaxe',
                   'Forelle geräuchert','Saiblingsfilet','Bio-Hähnchenbrust','Kartoffeln festkochend',
                   'Bärlauch','Pfifferlinge','Steinpilze','Erdbeeren','Wildschweinrücken','Rehkeule',
                   'Gänsebrust','Lebkuchen','Christstollen','Laugenbrezeln TK','Obazda',
                   'Allgäuer Emmentaler','Räucherlachs','Rapsöl kaltgepresst','Bio-Eier Freiland',
                   'Sauerkraut','Apfelstrudel TK','Kaiserschmarrn TK','Kalbsschnitzel',
                   'Maultaschen','Spätzle frisch','Rote Bete Bio'],
                   cutover_seed.rnd({{seed}}, 404, c.id * 8 + k)) AS product,
               {{as_of}}::date - 1 - floor(cutover_seed.rnd({{seed}}, 405, c.id * 8 + k)
                   * least(120, {{as_of}}::date - (c.created_at AT TIME ZONE 'Europe/Berlin')::date))::int
                 AS sent_at
        FROM crm.customers c
        JOIN (SELECT customer_id, min(id) AS first_id, count(*) AS n
              FROM crm.contacts GROUP BY customer_id) AS cc ON cc.customer_id = c.id
        CROSS JOIN LATERAL generate_series(1, floor(
            CASE c.status WHEN 'LEAD' THEN 0.8 WHEN 'PROSPECT' THEN 1.2 WHEN 'ACTIVE' THEN 0.3 ELSE 0.1 END
            + cutover_seed.rnd({{seed}}, 400, c.id))::int) AS k
    ) AS y
) AS s;

-- step: order calendar
-- The 730 days before as_of with weights: Mon-Fri 4, Sat 2, Sun/25-26 Dec/1 Jan 0; doubled in
-- asparagus season (15 Apr - 24 Jun), Oktoberfest (16 Sep - 7 Oct) and December (1-23 Dec).
-- first_idx = number of weight units before the day; the row for as_of itself holds the total.
CREATE TABLE cutover_seed.days AS
SELECT w.day, w.weight, w.peak,
       (coalesce(sum(w.weight) OVER (ORDER BY w.day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::int
         AS first_idx
FROM (
    SELECT d.day,
           CASE WHEN d.day = {{as_of}}::date THEN 0
                WHEN extract(isodow FROM d.day) = 7 OR to_char(d.day, 'MM-DD') IN ('12-25', '12-26', '01-01') THEN 0
                WHEN extract(isodow FROM d.day) = 6 THEN 2
                ELSE 4 END
           * CASE WHEN d.peak THEN 2 ELSE 1 END AS weight,
           d.peak
    FROM (
        SELECT {{as_of}}::date - g AS day,
               to_char({{as_of}}::date - g, 'MM-DD') BETWEEN '04-15' AND '06-24'
            OR to_char({{as_of}}::date - g, 'MM-DD') BETWEEN '09-16' AND '10-07'
            OR to_char({{as_of}}::date - g, 'MM-DD') BETWEEN '12-01' AND '12-23' AS peak
        FROM generate_series(0, 730) AS g
    ) AS d
) AS w;

-- step: order pick table
-- One row per weight unit, dense idx 0..total-1 in day order: a uniform idx picks a day
-- proportionally to its weight, and a range [first_idx(a), first_idx(b)) picks within [a, b).
CREATE TABLE cutover_seed.order_units AS
SELECT (d.first_idx + u - 1) AS idx, d.day, d.peak
FROM cutover_seed.days d
CROSS JOIN LATERAL generate_series(1, d.weight) AS u;

-- step: order pick index
ALTER TABLE cutover_seed.order_units ADD PRIMARY KEY (idx);

-- step: orders
-- ACTIVE: 1-21 orders over the window since the customer exists (avg ~7 for a full
-- window, bigger customers order more often); INACTIVE: stopped ordering 150-600 days ago;
-- ~8% of PROSPECTs placed one trial order in the last year. Amounts by segment and customer
-- size, +20% on peak days; ids follow ordered_at.
INSERT INTO crm.orders (id, customer_id, ordered_at, net_amount, item_count)
SELECT row_number() OVER (ORDER BY o.day, o.customer_id, o.k),
       o.customer_id, o.day, o.amount,
       greatest(1, round(o.amount / (18 + 20 * cutover_seed.rnd({{seed}}, 510, o.oid))))::int
FROM (
    SELECT p.customer_id, k, p.customer_id * 64 + k AS oid, ou.day,
           round((p.base * p.size
                  * (0.55 + 0.9 * cutover_seed.rnd({{seed}}, 509, p.customer_id * 64 + k))
                  * CASE WHEN ou.peak THEN 1.2 ELSE 1.0 END)::numeric, 2) AS amount
    FROM (
        SELECT q.*,
               CASE WHEN q.hi <= q.lo THEN 0
                    WHEN q.status = 'ACTIVE' THEN
                      greatest(1, round((1 + floor(q.u_n * q.u_n * 21)) * (q.hi - q.lo)::float8 / q.total))::int
                    WHEN q.status = 'INACTIVE' THEN
                      greatest(1, round((1 + floor(q.u_n * 12)) * (q.hi - q.lo)::float8 / q.total))::int
                    WHEN cutover_seed.rnd({{seed}}, 503, q.customer_id) < 0.08 THEN 1
                    ELSE 0 END AS n
        FROM (
            SELECT c.id AS customer_id, c.status,
                   CASE c.segment WHEN 'RESTAURANT' THEN 420 WHEN 'HOTEL' THEN 780
                                  WHEN 'KANTINE' THEN 1650 ELSE 1250 END AS base,
                   0.45 + 0.9 * cutover_seed.rnd({{seed}}, 500, c.id)
                        + 0.6 * cutover_seed.rnd({{seed}}, 501, c.id) AS size,
                   cutover_seed.rnd({{seed}}, 500, c.id) AS u_n,
                   CASE WHEN c.status = 'PROSPECT' THEN greatest(dlo.first_idx, dy.first_idx)
                        ELSE dlo.first_idx END AS lo,
                   CASE WHEN c.status = 'INACTIVE' THEN dhi.first_idx ELSE dend.first_idx END AS hi,
                   dend.first_idx AS total
            FROM crm.customers c
            JOIN cutover_seed.days dlo
              ON dlo.day = least({{as_of}}::date,
                                 greatest({{as_of}}::date - 730,
                                          (c.created_at AT TIME ZONE 'Europe/Berlin')::date + 1))
            JOIN cutover_seed.days dhi
              ON dhi.day = {{as_of}}::date - 150 - floor(cutover_seed.rnd({{seed}}, 502, c.id) * 451)::int
            JOIN cutover_seed.days dy ON dy.day = {{as_of}}::date - 365
            JOIN cutover_seed.days dend ON dend.day = {{as_of}}::date
            WHERE c.status IN ('ACTIVE', 'INACTIVE', 'PROSPECT')
        ) AS q
    ) AS p
    CROSS JOIN LATERAL generate_series(1, p.n) AS k
    JOIN cutover_seed.order_units ou
      ON ou.idx = p.lo + floor(cutover_seed.rnd({{seed}}, 508, p.customer_id * 64 + k) * (p.hi - p.lo))::int
) AS o;

-- step: activities
-- ~1.5 per customer (leads/prospects more), by the owner (a territory rep if unowned),
-- on Mon-Fri in the last 365 days (not before the customer existed; a weekend day moves to
-- one of the five weekdays before it), 07:30-17:30 local time.
INSERT INTO crm.activities (id, customer_id, user_id, kind, occurred_at, note)
SELECT row_number() OVER (ORDER BY a.occurred_at, a.customer_id, a.k),
       a.customer_id, a.user_id, a.kind, a.occurred_at,
       CASE WHEN cutover_seed.rnd({{seed}}, 606, a.aid) < 0.15 THEN NULL ELSE
         (ARRAY['Telefonat wegen Saisonware','Nachfrage Lieferzeiten','Reklamation besprochen',
                'Preisanfrage beantwortet','Terminvereinbarung Besuch','Rückruf, nicht erreicht',
                'Besuch in der Küche','Jahresgespräch mit Geschäftsführung','Sortimentsvorstellung',
                'Besuch mit Saisonware','Neue Speisekarte besprochen','Lagerbesichtigung',
                'Angebot versendet','Preisliste aktualisiert','Katalog Herbst/Winter gesendet',
                'Bestellbestätigung nachgefragt','Liefertermine abgestimmt','Newsletter-Rückfrage',
                'Verkostung Spargel','Verkostung Wild','Verkostung Käseauswahl',
                'Weihnachtsmenü-Verkostung','Verkostung Bio-Fleisch','Verkostung Fisch'])
           [CASE a.kind WHEN 'CALL' THEN 0 WHEN 'VISIT' THEN 6 WHEN 'EMAIL' THEN 12 ELSE 18 END
            + 1 + floor(cutover_seed.rnd({{seed}}, 607, a.aid) * 6)::int]
       END
FROM (
    SELECT x.customer_id, x.k, x.aid, x.user_id, x.kind,
           ((x.day - CASE WHEN extract(isodow FROM x.day) >= 6 AND x.day - 6 >= x.created_day
                          THEN extract(isodow FROM x.day)::int - 5
                               + floor(cutover_seed.rnd({{seed}}, 608, x.aid) * 5)::int
                          ELSE 0 END)
              + time '07:30'
             + make_interval(mins => floor(cutover_seed.rnd({{seed}}, 605, x.aid) * 600)::int))
             AT TIME ZONE 'Europe/Berlin' AS occurred_at
    FROM (
        SELECT c.id AS customer_id, k, c.id * 16 + k AS aid,
               coalesce(c.owner_id,
                        t.first_rep_id + floor(cutover_seed.rnd({{seed}}, 601, c.id) * t.n_reps)::bigint) AS user_id,
               CASE WHEN cutover_seed.rnd({{seed}}, 603, c.id * 16 + k) < 0.45 THEN 'CALL'
                    WHEN cutover_seed.rnd({{seed}}, 603, c.id * 16 + k) < 0.75 THEN 'EMAIL'
                    WHEN cutover_seed.rnd({{seed}}, 603, c.id * 16 + k) < 0.93 THEN 'VISIT'
                    ELSE 'TASTING' END AS kind,
               {{as_of}}::date - 1 - floor(cutover_seed.rnd({{seed}}, 604, c.id * 16 + k)
                   * least(365, {{as_of}}::date - (c.created_at AT TIME ZONE 'Europe/Berlin')::date))::int
                 AS day,
               (c.created_at AT TIME ZONE 'Europe/Berlin')::date AS created_day
        FROM crm.customers c
        JOIN cutover_seed.terr t ON t.code = c.territory_code
        CROSS JOIN LATERAL generate_series(1, floor(
            CASE c.status WHEN 'LEAD' THEN 2.0 WHEN 'PROSPECT' THEN 2.5 WHEN 'ACTIVE' THEN 1.4 ELSE 0.3 END
            + cutover_seed.rnd({{seed}}, 600, c.id))::int) AS k
    ) AS x
) AS a;

-- step: identity sequences
SELECT setval(pg_get_serial_sequence('crm.users', 'id'),
              coalesce((SELECT max(id) FROM crm.users), 1), (SELECT count(*) > 0 FROM crm.users)),
       setval(pg_get_serial_sequence('crm.customers', 'id'),
              coalesce((SELECT max(id) FROM crm.customers), 1), (SELECT count(*) > 0 FROM crm.customers)),
       setval(pg_get_serial_sequence('crm.contacts', 'id'),
              coalesce((SELECT max(id) FROM crm.contacts), 1), (SELECT count(*) > 0 FROM crm.contacts)),
       setval(pg_get_serial_sequence('crm.samples', 'id'),
              coalesce((SELECT max(id) FROM crm.samples), 1), (SELECT count(*) > 0 FROM crm.samples)),
       setval(pg_get_serial_sequence('crm.orders', 'id'),
              coalesce((SELECT max(id) FROM crm.orders), 1), (SELECT count(*) > 0 FROM crm.orders)),
       setval(pg_get_serial_sequence('crm.activities', 'id'),
              coalesce((SELECT max(id) FROM crm.activities), 1), (SELECT count(*) > 0 FROM crm.activities));

-- step: drop helper schema
DROP SCHEMA cutover_seed CASCADE;

-- step: restore session settings
SELECT set_config('work_mem', (SELECT reset_val FROM pg_settings WHERE name = 'work_mem'), false),
       set_config('jit', (SELECT reset_val FROM pg_settings WHERE name = 'jit'), false);

-- step: analyze
ANALYZE crm.territories, crm.users, crm.user_territories, crm.customers, crm.contacts,
        crm.lead_protections, crm.samples, crm.orders, crm.activities;
