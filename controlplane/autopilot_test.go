package controlplane

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// autopilotWait bounds a wait for autopilot to act. It is generous,
// because on a loaded machine a probe can miss its deadline, which resets
// a server's stable time, and a lost heartbeat can move leadership, which
// restarts autopilot.
const autopilotWait = 30 * time.Second

// eventuallyWithin is eventually with a deadline of its own, for waits
// that include a configured timeout.
func eventuallyWithin(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: got no success within %s, want it to happen", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// suffrageOf returns the suffrage of id in n's Raft configuration, and
// false when id is not a member.
func suffrageOf(t *testing.T, n *Node, id string) (raft.ServerSuffrage, bool) {
	t.Helper()
	for _, s := range raftServers(t, n) {
		if string(s.ID) == id {
			return s.Suffrage, true
		}
	}
	return 0, false
}

// stopFollower stops a running node that is not the leader and returns
// its index.
func (c *testCluster) stopFollower() int {
	c.t.Helper()
	f := c.follower()
	i := slices.Index(c.nodes, f)
	c.stop(i)
	return i
}

func TestAutopilot_RemovesDeadVoterDownToMinQuorum(t *testing.T) {
	const deadTimeout = 2 * time.Second
	const probeInterval = 200 * time.Millisecond
	c := startClusterOf(t, 4, func(_ int, cfg *Config) {
		cfg.Autopilot.DeadServerTimeout = deadTimeout
		cfg.Autopilot.MinQuorum = 3
		cfg.Autopilot.Interval = probeInterval
	})

	// The first dead voter goes: four voters are above the minimum. The
	// clock starts before the stop. Autopilot counts from the leader's last
	// successful probe of the follower, which can come up to one probe
	// interval before the stop, so the removal may come that much sooner
	// than the timeout after it.
	stoppedAt := time.Now()
	first := c.stopFollower()
	firstID := c.configs[first].NodeID
	eventuallyWithin(t, deadTimeout+autopilotWait, firstID+" removed from the configuration", func() bool {
		_, member := suffrageOf(t, c.leader(), firstID)
		return !member
	})
	if elapsed := time.Since(stoppedAt); elapsed < deadTimeout-probeInterval {
		t.Errorf("%s removed %s after it stopped, want no sooner than the dead server timeout %s less one probe interval %s",
			firstID, elapsed, deadTimeout, probeInterval)
	}
	eventually(t, firstID+"'s API URL forgotten", func() bool {
		_, ok := c.leader().State().Members[firstID]
		return !ok
	})
	c.waitVoters(3)

	// The second dead voter stays: removing it would leave two voters,
	// fewer than the minimum quorum of three.
	second := c.stopFollower()
	secondID := c.configs[second].NodeID
	leader := c.leader()
	eventuallyWithin(t, deadTimeout+autopilotWait, "autopilot sees "+secondID+" as failed", func() bool {
		s := leader.pilot.state.Load()
		return s != nil && s.Servers[raft.ServerID(secondID)] != nil && !s.Servers[raft.ServerID(secondID)].Health.Healthy &&
			time.Since(s.Servers[raft.ServerID(secondID)].Health.StableSince) > deadTimeout
	})
	waitReconcileRounds(t, leader, 10)
	if suffrage, member := suffrageOf(t, leader, secondID); !member || suffrage != raft.Voter {
		t.Errorf("%s after it failed at the minimum quorum: got member=%v suffrage=%v, want it kept as a voter", secondID, member, suffrage)
	}
	if got := countVoters(leader.Status().Peers); got != 3 {
		t.Errorf("voters: got %d, want the minimum quorum of 3", got)
	}
	addDomains(t, leader, "local", "still-writable.test")
}

// waitReconcileRounds waits until autopilot on the leader has published
// rounds more states, each of which follows a reconcile pass at the same
// interval.
func waitReconcileRounds(t *testing.T, leader *Node, rounds int) {
	t.Helper()
	seen := 0
	last := leader.pilot.state.Load()
	eventually(t, fmt.Sprintf("%d more autopilot rounds", rounds), func() bool {
		if s := leader.pilot.state.Load(); s != last {
			last = s
			seen++
		}
		return seen >= rounds
	})
}

func TestAutopilot_PromotesJoinedServerAfterStabilization(t *testing.T) {
	const stabilization = time.Second
	configure := func(_ int, cfg *Config) { cfg.Autopilot.ServerStabilizationTime = stabilization }
	c := startClusterWith(t, configure)
	leader := c.leader()
	// Autopilot treats every server as stable during its own first
	// stabilization time, so let that pass first.
	ledSince := time.Now()
	eventually(t, "autopilot runs past its first stabilization time", func() bool {
		return leader.pilot.state.Load() != nil && time.Since(ledSince) > 2*stabilization
	})

	i := c.add(configure)
	c.start(i)
	// The clock starts before the join, because autopilot may see the new
	// server before the join call returns.
	joinedAt := time.Now()
	c.join(i, 0)
	id := c.configs[i].NodeID

	if suffrage, member := suffrageOf(t, leader, id); !member || suffrage != raft.Nonvoter {
		t.Fatalf("%s right after its join: got member=%v suffrage=%v, want a non-voter", id, member, suffrage)
	}
	eventuallyWithin(t, autopilotWait, id+" promoted to voter", func() bool {
		suffrage, _ := suffrageOf(t, leader, id)
		return suffrage == raft.Voter
	})
	if elapsed := time.Since(joinedAt); elapsed < stabilization {
		t.Errorf("%s promoted %s after its join, want no sooner than the stabilization time %s", id, elapsed, stabilization)
	}
	c.waitVoters(4)
}

func TestAutopilot_ReadReplicaServesReadsAndNeverVotes(t *testing.T) {
	c := startCluster(t)
	i := c.add(func(_ int, cfg *Config) { cfg.NonVoter = true })
	replica := c.start(i)
	c.join(i, 1)
	id := c.configs[i].NodeID
	leader := c.leader()

	// Past the stabilization time with the replica healthy, autopilot
	// would have promoted it if it were a voter to be.
	eventuallyWithin(t, autopilotWait, "autopilot finds the replica healthy and stable", func() bool {
		s := leader.pilot.state.Load()
		if s == nil {
			return false
		}
		srv := s.Servers[raft.ServerID(id)]
		return srv != nil && srv.Health.IsStable(time.Now(), 3*testAutopilot.ServerStabilizationTime)
	})
	waitReconcileRounds(t, leader, 5)
	if suffrage, _ := suffrageOf(t, leader, id); suffrage != raft.Nonvoter {
		t.Fatalf("replica suffrage: got %v, want Nonvoter", suffrage)
	}
	if !leader.State().Members[id].NonVoter {
		t.Errorf("replica member entry: got %+v, want NonVoter set", leader.State().Members[id])
	}

	checkReplicaReads(t, c, replica)
	checkReplicaNeverVotes(t, c, replica)
}

// checkReplicaReads writes through the leader and reads through the
// replica, from its own copy and consistently through the leader.
func checkReplicaReads(t *testing.T, c *testCluster, replica *Node) {
	t.Helper()
	addDomains(t, c.leader(), "local", "replicated.test")
	eventually(t, "the replica applies the write", func() bool { return hasDomains(replica, []string{"replicated.test"}) })

	var local wire.DomainsResponse
	callJSON(t, replica, "GET", "/v1/domains", testOperatorToken, nil, 200, &local)
	if len(local.Domains) != 1 || local.Domains[0].Name != "replicated.test" {
		t.Errorf("read from the replica's copy: got %+v, want replicated.test", local.Domains)
	}
	consistent, err := operatorClient(t, replica).Domains(t.Context(), client.Consistent())
	if err != nil || len(consistent) != 1 {
		t.Errorf("consistent read through the replica: got %v, %v, want one domain", consistent, err)
	}
}

// checkReplicaNeverVotes stops two of the three voters. The last voter
// cannot win an election without a second voter's vote, and the replica
// must neither vote for it nor stand itself.
func checkReplicaNeverVotes(t *testing.T, c *testCluster, replica *Node) {
	t.Helper()
	var voters []int
	for i, n := range c.nodes {
		if n != nil && n != replica {
			voters = append(voters, i)
		}
	}
	c.stop(voters[0])
	c.stop(voters[1])
	last := c.nodes[voters[2]]
	replicaTerm := replica.Raft().CurrentTerm()

	eventually(t, "the last voter stands for election and the replica notices the leader is gone", func() bool {
		_, replicaLeader := replica.Raft().LeaderWithID()
		return last.Raft().State() == raft.Candidate && replicaLeader == ""
	})
	if state := last.Raft().State(); state == raft.Leader {
		t.Errorf("last voter: got %v, want no leader without a quorum of voters", state)
	}
	if state := replica.Raft().State(); state != raft.Follower {
		t.Errorf("replica raft state: got %v, want Follower", state)
	}
	if got := replica.Raft().CurrentTerm(); got != replicaTerm {
		t.Errorf("replica term: got %d, want %d unchanged, since a non-voter starts no election", got, replicaTerm)
	}
}

func TestAutopilot_StatusReportsHealthOnLeader(t *testing.T) {
	c := startCluster(t)
	leader := c.leader()
	eventually(t, "autopilot publishes a healthy state of three voters", func() bool {
		s := leader.pilot.state.Load()
		return s != nil && s.Healthy && len(s.Voters) == 3
	})

	var st wire.ClusterStatus
	callJSON(t, leader, "GET", "/v1/cluster/status", testOperatorToken, nil, 200, &st)
	if st.Autopilot == nil || !st.Autopilot.Healthy || st.Autopilot.FailureTolerance != 1 {
		t.Errorf("leader status autopilot: got %+v, want healthy with a failure tolerance of 1", st.Autopilot)
	}
	if got := c.follower().Status().Autopilot; got != nil {
		t.Errorf("follower status autopilot: got %+v, want none", got)
	}
}
