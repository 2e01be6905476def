package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/raft"
)

// forwardedHeader marks a request that a follower forwarded to the node it
// believed to lead, with the follower's node id as its value. A node that
// receives a marked request serves it or fails: it never forwards it again,
// so a stale view of the leader cannot make requests circle.
const forwardedHeader = "X-Mayfly-Forwarded-By"

// forwardTimeout bounds one forwarded request, including the leader's
// Raft apply.
const forwardTimeout = 30 * time.Second

// forwardedHeaders are the request headers a forwarded request keeps. The
// caller's own Authorization goes along, so the leader authenticates the
// caller again and a forwarded request never gains rights the caller's
// token does not grant.
var forwardedHeaders = []string{"Authorization", "Content-Type", "Accept"}

var (
	// errNoLeader is returned by leaderURL when this node has no current leader.
	errNoLeader = errors.New("this node has no current leader, because it cannot reach a quorum of voters or an election is under way")
	// errLeaderUnannounced is returned by leaderURL when the leader has
	// not announced its API URL yet.
	errLeaderUnannounced = errors.New("the leader has not announced its API URL yet")
)

// advertisedAPIURL returns the configured advertise URL, or http:// and
// the bound address when that is a concrete address.
func advertisedAPIURL(advertise string, bound net.Addr) string {
	if advertise != "" {
		return strings.TrimSuffix(advertise, "/")
	}
	tcp, ok := bound.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		return ""
	}
	return "http://" + tcp.String()
}

// leaderOnly serves a request on the leader and forwards it to the leader
// from any other node.
func (n *Node) leaderOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.raft.State() == raft.Leader {
			next.ServeHTTP(w, r)
			return
		}
		n.forwardToLeader(w, r)
	})
}

// consistentReads sends a read with ?consistent=true through leaderOnly,
// where the handler then confirms leadership before it reads. Other reads
// come from the local replica.
func (n *Node) consistentReads(next http.Handler) http.Handler {
	viaLeader := n.leaderOnly(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("consistent") == "true" {
			viaLeader.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// leaderURL returns the API URL of the current leader.
func (n *Node) leaderURL() (string, error) {
	_, id := n.raft.LeaderWithID()
	if id == "" {
		return "", errNoLeader
	}
	m, ok := n.State().Members[string(id)]
	if !ok {
		return "", fmt.Errorf("leader %s: %w", id, errLeaderUnannounced)
	}
	return m.APIURL, nil
}

// forwardToLeader sends the request to the leader and copies the leader's
// reply, status and body, back to the caller.
func (n *Node) forwardToLeader(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(forwardedHeader) != "" {
		writeError(w, http.StatusServiceUnavailable, "not_leader", "a forwarded request reached a node that is not the leader; retry it")
		return
	}
	target, err := n.leaderURL()
	if errors.Is(err, errNoLeader) {
		// A node cut off from the quorum ends up here, so the reply names
		// that cause rather than a missing URL.
		writeError(w, http.StatusServiceUnavailable, "no_leader", fmt.Sprintf("this node is not the leader and cannot forward: %s. Retry later or through another node", err))
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "not_leader", fmt.Sprintf("this node is not the leader and cannot forward: %s", err))
		return
	}

	resp, err := n.sendForward(r, target)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", err.Error())
			return
		}
		n.log.Warn("forward request to leader", "error", err, "request_id", requestIDFrom(r.Context()))
		writeError(w, http.StatusServiceUnavailable, "not_leader", "this node is not the leader and forwarding to the leader failed; retry it")
		return
	}
	defer resp.Body.Close()

	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (n *Node) sendForward(r *http.Request, target string) (*http.Response, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxRestoreBytes))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build forwarded request: %w", err)
	}
	for _, h := range forwardedHeaders {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set(forwardedHeader, n.cfg.NodeID)
	resp, err := n.peers.Do(req)
	if err != nil {
		return nil, fmt.Errorf("send forwarded request: %w", err)
	}
	return resp, nil
}
