package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// maxRestoreBytes bounds a snapshot sent for restore, and with it every
// forwarded body.
const maxRestoreBytes = 64 << 20

func (n *Node) clusterStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, n.StatusWithPeers(r.Context()))
}

func (n *Node) clusterPeers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.PeersResponse{Peers: n.StatusWithPeers(r.Context()).Peers})
}

func (n *Node) localStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, n.LocalStatus())
}

func (n *Node) joinCluster(w http.ResponseWriter, r *http.Request) {
	var req wire.JoinRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if err := n.Join(r.Context(), req); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (n *Node) setMember(w http.ResponseWriter, r *http.Request) {
	var m state.Member
	if err := decodeJSON(w, r, &m); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if err := n.SetMember(r.Context(), m); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (n *Node) removePeer(w http.ResponseWriter, r *http.Request) {
	var req wire.RemoveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if err := n.RemovePeer(r.Context(), req.ID); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// transferLeadership accepts an empty body, to let Raft pick the voter.
func (n *Node) transferLeadership(w http.ResponseWriter, r *http.Request) {
	var req wire.TransferLeadershipRequest
	if err := decodeJSON(w, r, &req); err != nil && !errors.Is(err, errEmptyBody) {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if err := n.TransferLeadership(r.Context(), req.ID); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// saveSnapshot replies with a consistent snapshot in the format of
// fsm.EncodeSnapshot. It runs on the leader only, through leaderOnly.
func (n *Node) saveSnapshot(w http.ResponseWriter, r *http.Request) {
	s, err := n.ConsistentState(r.Context())
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := fsm.EncodeSnapshot(&buf, s); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

func (n *Node) restoreSnapshot(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRestoreBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("read snapshot: %s", err))
		return
	}
	if err := n.RestoreSnapshot(r.Context(), data); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
