package httpstatus

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecorder_Code(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    int
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, http.StatusOK},
		{"body only", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x")) }, http.StatusOK},
		{"explicit", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }, http.StatusTeapot},
		{"first wins", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.WriteHeader(http.StatusOK)
		}, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := NewRecorder(httptest.NewRecorder())
			tc.handler(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if got := rec.Code(); got != tc.want {
				t.Errorf("Code() = %d, want %d", got, tc.want)
			}
		})
	}
}
