-- A response's answers in a short form (`db/src/stored.rs`): `{"c": "gd"}` for what was
-- `{"outcome": "answered", "answer": {"type": "choice", "value": {"code": "gd", "other":
-- null}}}`, `"n"` for `{"outcome": "no_answer"}`. Every save rewrites and compresses the
-- whole object, and a row whose compressed answers pass about 2 KB goes to the TOAST
-- table: a save then writes and indexes its chunks there besides the row, and every read
-- puts them back together. A completed national-survey response was about 2.5 KB
-- compressed and is about 2 KB. `bench-saves`, 3 alternating pairs of 10 s runs on fresh
-- databases: 613 against 690 µs of machine CPU per save (-11%), 3,198 against 2,741
-- saves/s, and half the TOAST table (17 against 35 MB).
--
-- Tags: `n` no answer, `na` not asked, `e` invalid (its error as before); `c` choice and
-- `co` [code, other] with an "other" text; `m` choices and `mo` [codes, other]; `s` scale,
-- `g` matrix, `r` ranking, `i` integer, `d` decimal, `t` text, `dt` date, `y` year.
CREATE FUNCTION canvass_compact(o jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE o ->> 'outcome'
        WHEN 'no_answer' THEN '"n"'::jsonb
        WHEN 'not_asked' THEN '"na"'::jsonb
        WHEN 'invalid' THEN jsonb_build_object('e', o -> 'error')
        WHEN 'answered' THEN CASE o #>> '{answer,type}'
            WHEN 'choice' THEN CASE jsonb_typeof(o #> '{answer,value,other}')
                WHEN 'string' THEN jsonb_build_object('co', jsonb_build_array(
                    o #> '{answer,value,code}', o #> '{answer,value,other}'))
                ELSE jsonb_build_object('c', o #> '{answer,value,code}')
            END
            WHEN 'choices' THEN CASE jsonb_typeof(o #> '{answer,value,other}')
                WHEN 'string' THEN jsonb_build_object('mo', jsonb_build_array(
                    o #> '{answer,value,codes}', o #> '{answer,value,other}'))
                ELSE jsonb_build_object('m', o #> '{answer,value,codes}')
            END
            WHEN 'scale' THEN jsonb_build_object('s', o #> '{answer,value}')
            WHEN 'matrix' THEN jsonb_build_object('g', o #> '{answer,value}')
            WHEN 'ranking' THEN jsonb_build_object('r', o #> '{answer,value}')
            WHEN 'integer' THEN jsonb_build_object('i', o #> '{answer,value}')
            WHEN 'decimal' THEN jsonb_build_object('d', o #> '{answer,value}')
            WHEN 'text' THEN jsonb_build_object('t', o #> '{answer,value}')
            WHEN 'date' THEN jsonb_build_object('dt', o #> '{answer,value}')
            WHEN 'year' THEN jsonb_build_object('y', o #> '{answer,value}')
        END
    END
$$;

-- An entry in neither form is kept as it was, so that reading the response names the
-- question at fault instead of this migration failing or losing it.
UPDATE responses r SET answers = (
    SELECT jsonb_object_agg(a.key, coalesce(canvass_compact(a.value), a.value))
    FROM jsonb_each(r.answers) a
)
WHERE r.answers <> '{}';

DROP FUNCTION canvass_compact(jsonb);
