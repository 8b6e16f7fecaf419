-- Whom residents ask about a community's survey, printed on its poster and shown when the link
-- no longer takes answers: a telephone number or a name, as the community worker writes it.
-- NULL: none given (the poster names the worker who published the link).
ALTER TABLE survey_links ADD COLUMN contact TEXT;
