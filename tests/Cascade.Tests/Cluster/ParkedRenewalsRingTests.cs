using Cascade.Cluster;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The ring of parked renewals against a brute-force account of the same cycles: every attempt and failure due by a
/// catch-up is counted exactly once, whatever the catch-ups' spacing, the ring's growth and the nodes that leave it.
/// </summary>
public class ParkedRenewalsRingTests
{
    private sealed class Owner : IParkedOwner
    {
        public readonly List<(int Node, long At)> Attempts = new(), Failures = new();
        public readonly List<(int Node, long AnswerAt, bool Sent)> Resumed = new(), Gone = new();
        public long Now;
        public void OnAttempt(int node) => Attempts.Add((node, Now));
        public void OnFailure(int node) => Failures.Add((node, Now));
        public void Resume(int node, long answerAt, bool sent) => Resumed.Add((node, answerAt, sent));
        void IParkedOwner.Gone(int node, long answerAt, bool sent) => Gone.Add((node, answerAt, sent));
    }

    private const long Answer = 1_000, Cycle = 7_001_000;

    /// <summary>Every node leaves, resumed in the order the request path scheduled their events (as ApiServerSet does).</summary>
    private static void ResumeAll(ParkedRenewals ring)
    {
        var all = new List<Cascade.ControlPlane.ParkedResumption>();
        ring.CollectAll(all);
        foreach (var r in all.OrderBy(r => r.ScheduledAt).ThenBy(r => r.Order)) r.Resume();
    }

    private static (Owner Owner, ParkedRenewals Ring) NewRing(int nodes)
    {
        var owner = new Owner();
        return (owner, new ParkedRenewals(nodes, Answer, Cycle, owner));
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 600)]
    [InlineData(3, 3000)]
    public void Catching_up_at_any_spacing_counts_each_attempt_and_failure_once(int seed, int nodes)
    {
        var rng = new Random(seed);
        var (owner, ring) = NewRing(nodes);
        var parkedAt = new long[nodes];
        long t = 0;
        for (int n = 0; n < nodes; n++)
        {
            t += rng.Next(0, 3_000);     // nodes fail in order, some at the same instant
            owner.Now = t;
            ring.Park(n, t);
            parkedAt[n] = t;
        }
        long end = t + 5 * Cycle + 12_345;
        for (long now = t; now < end; now += rng.Next(1, 2 * (int)Cycle))
        {
            owner.Now = now;
            ring.CatchUp(now, throughNow: rng.Next(2) == 0);
        }
        owner.Now = end;
        ring.CatchUp(end, throughNow: true);
        for (int n = 0; n < nodes; n++)
        {
            // Brute force: attempts at parkedAt + k·cycle − answer (k ≥ 1), failures an answer later.
            int attempts = 0, failures = 0;
            for (long a = parkedAt[n] + Cycle - Answer; a <= end; a += Cycle)
            {
                attempts++;
                if (a + Answer <= end) failures++;
            }
            Assert.Equal(attempts, owner.Attempts.Count(x => x.Node == n));
            Assert.Equal(failures, owner.Failures.Count(x => x.Node == n));
        }
        Assert.Equal(nodes, ring.Count);
        // Counted no later than needed and never early: each was counted at a catch-up at or after its instant.
        var order = owner.Failures.Select(f => f.At).ToList();
        Assert.Equal(order.OrderBy(x => x), order);
    }

    [Fact]
    public void Leaving_the_ring_hands_back_the_pending_step_and_stops_the_count()
    {
        var (owner, ring) = NewRing(3);
        ring.Park(0, 0);
        ring.Park(1, 10);
        ring.Park(2, 20);
        // Node 1's attempt is sent at 10 + cycle − answer; between it and its failure, node 1 leaves and resumes.
        long mid = 10 + Cycle - Answer + 1;
        owner.Now = mid;
        ring.Unpark(1, mid, resume: true);
        Assert.Equal([(1, 10 + Cycle, true)], owner.Resumed);
        // Node 2 has not sent yet: it resumes with its attempt due.
        ring.Unpark(2, mid, resume: true);
        Assert.Equal((2, 20 + Cycle, false), owner.Resumed[1]);
        // Node 0 goes for good, its attempt sent and its failure still to come.
        ring.Unpark(0, mid, resume: false);
        Assert.Equal(2, owner.Resumed.Count);
        Assert.Equal([(0, Cycle, true)], owner.Gone);
        Assert.Equal(0, ring.Count);
        int attempts = owner.Attempts.Count, failures = owner.Failures.Count;
        owner.Now = 10 * Cycle;
        ring.CatchUp(10 * Cycle, throughNow: true);
        Assert.Equal((attempts, failures), (owner.Attempts.Count, owner.Failures.Count));
        Assert.False(ring.IsParked(1));
    }

    [Fact]
    public void A_replica_serving_again_resumes_every_node_in_the_order_the_request_path_scheduled_its_event()
    {
        var (owner, ring) = NewRing(300);
        for (int n = 0; n < 300; n++) ring.Park(n, n * 100);   // grows past the first 256 entries
        long now = 3 * Cycle;
        ring.CatchUp(now, throughNow: false);
        ResumeAll(ring);
        // Nodes 0–9 sent their third attempt just before now (their refusal was scheduled then); the others' next
        // attempt was scheduled at their second refusal, a cycle earlier, so they come first.
        Assert.Equal(Enumerable.Range(10, 290).Concat(Enumerable.Range(0, 10)), owner.Resumed.Select(r => r.Node));
        Assert.All(owner.Resumed, r => Assert.True(r.Sent ? r.AnswerAt - Answer < now && r.AnswerAt >= now : r.AnswerAt - Answer >= now));
        Assert.Equal(0, ring.Count);
    }

    [Fact]
    public void An_attempt_or_answer_at_the_very_instant_of_a_catch_up_counts_only_through_now()
    {
        var (owner, ring) = NewRing(1);
        ring.Park(0, 0);
        long sent = Cycle - Answer;
        ring.CatchUp(sent, throughNow: false);
        Assert.Empty(owner.Attempts);
        ring.CatchUp(sent, throughNow: true);
        Assert.Single(owner.Attempts);
        ring.CatchUp(Cycle, throughNow: false);
        Assert.Empty(owner.Failures);
        ring.CatchUp(Cycle, throughNow: true);
        Assert.Single(owner.Failures);
    }

    [Fact]
    public void A_node_leaving_at_the_instant_of_its_attempt_resumes_with_the_attempt_unsent()
    {
        var (owner, ring) = NewRing(1);
        ring.Park(0, 0);
        ring.Unpark(0, Cycle - Answer, resume: true);   // the attempt is this instant's event, after the unpark
        Assert.Equal([(0, Cycle, false)], owner.Resumed);
        Assert.Empty(owner.Attempts);
    }

    [Fact]
    public void Resuming_everyone_skips_a_node_that_already_left()
    {
        var (owner, ring) = NewRing(2);
        ring.Park(0, 0);
        ring.Park(1, 5);
        ring.Unpark(0, 10, resume: false);
        ResumeAll(ring);
        Assert.Equal([(1, 5 + Cycle, false)], owner.Resumed);
        Assert.Equal([(0, Cycle, false)], owner.Gone);
    }

    [Fact]
    public void An_answer_time_not_shorter_than_the_cycle_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParkedRenewals(1, Cycle, Cycle, new Owner()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParkedRenewals(1, -1, Cycle, new Owner()));
    }
}
