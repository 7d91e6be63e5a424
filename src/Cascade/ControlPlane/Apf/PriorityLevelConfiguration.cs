namespace Cascade.ControlPlane.Apf;

// Stands for: the flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration object
// (k8s.io/api/flowcontrol/v1 types.go), flattened: spec.limited.* and spec.limited.limitResponse.queuing.*
// become properties of one class. Keeps every field that changes what the API server does; leaves out
// metadata other than the name, and status. Defaults are v1 defaulting (pkg/apis/flowcontrol/v1/defaults.go).

public enum PriorityLevelType { Exempt, Limited }

public enum LimitResponseType { Queue, Reject }

public sealed class PriorityLevelConfiguration
{
    // flowcontrol/v1 defaults.go: nominalConcurrencyShares defaults to 30 on a Limited level.
    public const int DefaultNominalConcurrencyShares = 30;
    // flowcontrol/v1 defaults.go: queuing defaults queues 64, handSize 8, queueLengthLimit 50.
    public const int DefaultQueues = 64;
    public const int DefaultHandSize = 8;
    public const int DefaultQueueLengthLimit = 50;

    public required string Name { get; init; }
    public PriorityLevelType Type { get; init; } = PriorityLevelType.Limited;

    /// <summary>NCS: this level's weight when the server's seats are divided (exempt: usually 0).</summary>
    public int NominalConcurrencyShares { get; init; } = DefaultNominalConcurrencyShares;

    /// <summary>Percent of NominalCL other levels may borrow (v1 default 0).</summary>
    public int LendablePercent { get; init; }

    /// <summary>Percent of NominalCL this level may borrow from others; null = no limit.</summary>
    public int? BorrowingLimitPercent { get; init; }

    public LimitResponseType LimitResponse { get; init; } = LimitResponseType.Queue;
    public int Queues { get; init; } = DefaultQueues;
    public int HandSize { get; init; } = DefaultHandSize;
    public int QueueLengthLimit { get; init; } = DefaultQueueLengthLimit;

    public bool IsExempt => Type == PriorityLevelType.Exempt;

    /// <summary>True for a Limited level whose limit response is to queue (it has a QueueSet with queues).</summary>
    public bool HasQueues => Type == PriorityLevelType.Limited && LimitResponse == LimitResponseType.Queue;

    public override string ToString() => $"PriorityLevelConfiguration {Name}";
}
