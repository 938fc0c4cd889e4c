// Package remote owns the wire to the ModelsLab Agent Control Plane API
// (../shared/design/API.md): one typed method per endpoint, the response
// envelope, typed errors, retries, pagination, idempotency keys and redaction.
//
// Nothing outside this package builds a URL or reads a JSON envelope. Secrets
// (access tokens, API key values, passwords) travel as [Secret], whose String,
// Format and MarshalJSON redact, so that no log line, error or plan file can
// carry one by accident.
package remote
