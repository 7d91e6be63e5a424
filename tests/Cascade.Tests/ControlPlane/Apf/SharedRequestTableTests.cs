using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>
/// The replicas of one API server set keep their requests' APF state in one table (memory grows with requests,
/// not requests × replicas): each replica sees only the requests it holds.
/// </summary>
public class SharedRequestTableTests
{
    private static readonly WorkEstimate OneSeat = new(1, 0, 0);

    /// <summary>Two replicas' dispatchers sharing one table, and a user's classification.</summary>
    private static (ApfTestHost A, ApfTestHost B, Classification Alice) Siblings()
    {
        var config = ApfFixtures.OneLevel();
        var table = new ApfRequestTable();
        var a = new ApfTestHost();
        var b = new ApfTestHost();
        a.Apf = new ApfDispatcher(a.Sim, config, 100, a, table);
        b.Apf = new ApfDispatcher(b.Sim, config, 100, b, table);
        return (a, b, ApfFixtures.User(config, "alice"));
    }

    [Fact]
    public void A_request_forgotten_by_a_dead_replica_is_admitted_at_its_sibling_and_the_dead_one_cannot_touch_it()
    {
        var (a, b, alice) = Siblings();
        int pl = alice.PriorityLevel;

        a.Send(7, alice, OneSeat, SimTime.FromSeconds(10));
        Assert.Equal(1, a.Apf.TotalSeatsInUse);
        Assert.Throws<InvalidOperationException>(() => b.Apf.Admit(7, alice, OneSeat, SimTime.Never)); // held by a

        a.Apf.ForgetRequests();                  // a dies: its requests are re-sent elsewhere
        b.Send(7, alice, OneSeat, SimTime.FromSeconds(10));
        Assert.Equal(1, b.Apf.TotalSeatsInUse);

        a.Apf.Finish(7);                         // the dead replica's late word about id 7 changes nothing at b
        a.Apf.Reset();
        Assert.Equal(1, b.Apf.TotalSeatsInUse);
        b.Apf.Finish(7);
        Assert.Equal(0, b.Apf.TotalSeatsInUse);
        Assert.Equal(0, b.Apf.SeatsInUse(pl));
    }

    [Fact]
    public void Replicas_sharing_a_table_each_hold_their_own_requests_under_the_same_ids_range()
    {
        var (a, b, alice) = Siblings();
        for (int id = 0; id < 20; id++)
            (id % 2 == 0 ? a : b).Send(id, alice, OneSeat, SimTime.FromSeconds(10));
        Assert.Equal(10, a.Apf.TotalSeatsInUse);
        Assert.Equal(10, b.Apf.TotalSeatsInUse);
        a.Apf.Reset();                           // a restarts: b keeps all of its requests
        Assert.Equal(0, a.Apf.TotalSeatsInUse);
        Assert.Equal(10, b.Apf.TotalSeatsInUse);
        for (int id = 1; id < 20; id += 2) b.Apf.Finish(id);
        Assert.Equal(0, b.Apf.TotalSeatsInUse);
    }
}
