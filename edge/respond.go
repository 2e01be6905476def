package edge

import (
	"encoding/json"
	"net/http"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes the JSON error body that every Mayfly API uses.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, apitypes.Error{Error: message, Code: code})
}
