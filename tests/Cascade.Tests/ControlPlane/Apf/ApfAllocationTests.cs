using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

public class ApfAllocationTests
{
    [Fact]
    public void Steady_state_admit_dispatch_finish_and_reject_allocate_nothing_per_request()
    {
        var config = ApfConfiguration.Default;
        var host = new ApfTestHost();
        host.Start(config, 600);
        host.QueueWaitLimit = 2 * SimTime.TicksPerSecond;
        var low = config.Classify(new RequestDigest(ApfIdentity.ServiceAccountUser("telemetry", "agent"), ApfIdentity.ServiceAccountGroups("telemetry"), "list", "", "pods", null, true, null));
        var node = config.Classify(new RequestDigest(ApfIdentity.NodeUser("n1"), ApfIdentity.NodeGroups, "update", "coordination.k8s.io", "leases", "kube-node-lease", true, null));
        var admin = config.Classify(new RequestDigest("admin", ApfIdentity.MastersGroups, "get", "", "pods", "default", true, null));
        var write = WorkEstimator.ForMutating(watchers: 300);
        // Overload workload-low with 10-seat LISTs (queueing, queue-full 429s, timeouts), keep node-high
        // busy with writes that hold final seats, and run exempt traffic beside them.
        host.StartClients(0, 3000, low, WorkEstimator.ForList(100_000, true, false, 0), 200 * SimTime.TicksPerMillisecond, flow: 0);
        host.StartClients(5000, 500, node, write, 20 * SimTime.TicksPerMillisecond, flow: 1);
        host.StartClients(8000, 50, admin, WorkEstimator.ForGet(), 5 * SimTime.TicksPerMillisecond, flow: 2);
        host.RunFor(60);  // warm up: arrays grown, borrowing settled

        long dispatchesBefore = host.DispatchCount, rejectsBefore = host.RejectCount;
        long before = GC.GetAllocatedBytesForCurrentThread();
        host.RunFor(60);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(host.DispatchCount - dispatchesBefore > 100_000, $"only {host.DispatchCount - dispatchesBefore} dispatches");
        Assert.True(host.RejectCount - rejectsBefore > 1_000, $"only {host.RejectCount - rejectsBefore} rejections");
        Assert.Equal(0, allocated);
    }
}
