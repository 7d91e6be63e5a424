namespace Cascade.ControlPlane.Apf;

// Stands for: computeConcurrencyAllocation in staging/src/k8s.io/apiserver/pkg/util/flowcontrol/conc_alloc.go,
// the fair division of the server's nominal seats among priority levels behind borrowing. Finds the unique
// fairProp such that every level gets clamp(fairProp × target, lowerBound, upperBound) and the allocations
// sum to requiredSum, by sweeping fairProp over the sorted relative bounds. Kept exactly, including
// MinTarget and the epsilon checks; the arrays are reused so that the 10 s adjustment allocates nothing.

internal sealed class ConcurrencyAllocation
{
    // conc_alloc.go MinTarget: a zero target is treated as 0.001 to avoid dividing by zero.
    private const double MinTarget = 0.001;
    // conc_alloc.go epsilon for the feasibility checks.
    private const double Epsilon = 0.0000001;

    private readonly double[] _target;
    private readonly double[] _relLower;
    private readonly double[] _relUpper;
    private readonly int[] _ascending;   // 2*item (+1 for the upper bound), sorted by relative bound

    public ConcurrencyAllocation(int items)
    {
        Target = new double[items];
        LowerBound = new double[items];
        UpperBound = new double[items];
        Allocation = new double[items];
        _target = new double[items];
        _relLower = new double[items];
        _relUpper = new double[items];
        _ascending = new int[items * 2];
    }

    public double[] Target { get; }
    public double[] LowerBound { get; }
    public double[] UpperBound { get; }
    public double[] Allocation { get; }
    public double FairProp { get; private set; }

    /// <summary>
    /// Fills <see cref="Allocation"/>; false (allocation untouched) when the problem has no solution — upstream
    /// logs the error and keeps the current limits.
    /// </summary>
    public bool Solve(int requiredSum)
    {
        int n = Target.Length;
        if (requiredSum < 0) return false;
        double required = requiredSum;
        double lowSum = 0, highSum = 0, targetSum = 0;
        double ubMin = float.MaxValue, ubMax = -float.MaxValue, lbMin = float.MaxValue, lbMax = -float.MaxValue;
        for (int i = 0; i < n; i++)
        {
            double target = Target[i];
            if (LowerBound[i] < 0 || target < LowerBound[i] || UpperBound[i] < LowerBound[i]) return false;
            if (target < MinTarget) target = MinTarget;
            lowSum += LowerBound[i];
            highSum += UpperBound[i];
            targetSum += target;
            _target[i] = target;
            _relLower[i] = LowerBound[i] / target;
            _relUpper[i] = UpperBound[i] / target;
            ubMin = Math.Min(ubMin, _relUpper[i]); ubMax = Math.Max(ubMax, _relUpper[i]);
            lbMin = Math.Min(lbMin, _relLower[i]); lbMax = Math.Max(lbMax, _relLower[i]);
        }
        if (lbMax > 1) return false;
        if (lowSum - required > Epsilon) return false;
        if (required - highSum > Epsilon) return false;
        if (requiredSum == 0)
        {
            Array.Clear(Allocation);
            FairProp = 0;
            return true;
        }
        if (lowSum - required > -Epsilon)
        {
            Array.Copy(LowerBound, Allocation, n);
            FairProp = lbMin;
            return true;
        }
        if (required - highSum > -Epsilon)
        {
            Array.Copy(UpperBound, Allocation, n);
            FairProp = ubMax;
            return true;
        }
        double fairProp = required / targetSum;
        if (lbMax <= fairProp && fairProp <= ubMin)
        {
            for (int i = 0; i < n; i++) Allocation[i] = _target[i] * fairProp;
            FairProp = fairProp;
            return true;
        }

        SortBounds();
        double sumSoFar = lowSum;
        fairProp = lbMin;
        double sensitiveTargetSum = 0, deltaSensitiveTargetSum = 0;
        int sensitiveClasses = 0, deltaSensitiveClasses = 0;
        int next = 0;
        while (sumSoFar < required)
        {
            double nextBound;
            while (true)
            {
                sensitiveTargetSum += deltaSensitiveTargetSum;
                sensitiveClasses += deltaSensitiveClasses;
                if (next >= _ascending.Length) return false;
                int packed = _ascending[next];
                int item = packed >> 1;
                bool lower = (packed & 1) == 0;
                nextBound = lower ? _relLower[item] : _relUpper[item];
                deltaSensitiveClasses = lower ? 1 : -1;
                deltaSensitiveTargetSum = lower ? _target[item] : -_target[item];
                next++;
                if (nextBound > fairProp) break;
            }
            if (sensitiveClasses == 0)
            {
                fairProp = nextBound;
                continue;
            }
            double nextProp = fairProp + (required - sumSoFar) / sensitiveTargetSum;
            if (nextProp <= nextBound)
            {
                fairProp = nextProp;
                break;
            }
            sumSoFar += (nextBound - fairProp) * sensitiveTargetSum;
            fairProp = nextBound;
        }
        for (int i = 0; i < n; i++) Allocation[i] = Math.Max(LowerBound[i], Math.Min(UpperBound[i], fairProp * _target[i]));
        FairProp = fairProp;
        return true;
    }

    /// <summary>Insertion sort of the 2n relative bounds (n is a handful of levels); stable, so deterministic.</summary>
    private void SortBounds()
    {
        for (int i = 0; i < _ascending.Length; i++) _ascending[i] = i;
        for (int i = 1; i < _ascending.Length; i++)
        {
            int x = _ascending[i];
            double key = Bound(x);
            int j = i - 1;
            while (j >= 0 && Bound(_ascending[j]) > key)
            {
                _ascending[j + 1] = _ascending[j];
                j--;
            }
            _ascending[j + 1] = x;
        }
    }

    private double Bound(int packed) => (packed & 1) == 0 ? _relLower[packed >> 1] : _relUpper[packed >> 1];
}
