package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, apitypes.Error{Error: message, Code: code})
}

// decodeBody reads an optional JSON object into v. An empty body leaves v
// unchanged; unknown fields, trailing data and oversize bodies are errors
// that name the problem.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	var wrongType *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &tooLarge):
		return fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)
	case errors.As(err, &wrongType):
		return fmt.Errorf("invalid JSON body: field %q must be a %s", wrongType.Field, wrongType.Type)
	case err != nil:
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if dec.More() {
		return errors.New("invalid JSON body: want a single object")
	}
	return nil
}
