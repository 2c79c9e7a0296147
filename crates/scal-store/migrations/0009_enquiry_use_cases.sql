-- What the supplier said, when asking for a SCAL, it will use each service for (only services
-- whose catalogue entry requires a use case): a JSON object from service code to text. Issuing
-- the SCAL copies each one to its service's onboarding case, where use cases live from then on.
ALTER TABLE enquiries ADD COLUMN use_cases TEXT NOT NULL DEFAULT '{}';
