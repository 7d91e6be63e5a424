using Cascade.Engine;

namespace Cascade.ControlPlane.Apf;

// Stands for: fcrequest.SeatSeconds (util/flowcontrol/request/seat_seconds.go) — work in seat-seconds as a
// fixed-point integer, 1e8 units per seat-second, so that virtual-time bookkeeping adds and subtracts
// exactly. Amounts of work are signed longs; readings of the progress meter R are ulongs that wrap as
// upstream's uint64 does, and queueset.go's epoch advance winds R back by half the range when it passes
// three quarters of it (at 1e8 per seat-second that is ~1.4e11 seat-seconds, ~7 years of a 600-seat level).

internal static class SeatSeconds
{
    // seat_seconds.go ssScale: 1e8 units per seat-second.
    public const long PerSeatSecond = 100_000_000;

    // One tick is 1 µs, so one seat for one tick is 1e8 / 1e6 = 100 units.
    private const long PerSeatTick = PerSeatSecond / SimTime.TicksPerSecond;

    /// <summary>SeatsTimesDuration for whole seats: exact.</summary>
    public static long Of(int seats, long ticks) => seats * ticks * PerSeatTick;

    /// <summary>SeatsTimesDuration for a fractional seat rate (the virtual-time ratio), rounded like upstream.</summary>
    public static long Of(double seats, long ticks) => (long)Math.Round(seats * ticks * PerSeatTick, MidpointRounding.AwayFromZero);

    /// <summary>DurationPerSeat: how long <paramref name="seats"/> seats take to do <paramref name="work"/>, truncated.</summary>
    public static long TicksPerSeat(long work, int seats) => seats <= 0 ? 0 : work / ((long)seats * PerSeatTick);

    // queueset.go rDecrement = MaxSeatSeconds / 2 and highR = rDecrement + rDecrement / 2.
    public const ulong EpochDecrement = ulong.MaxValue / 2;
    public const ulong EpochHigh = EpochDecrement + EpochDecrement / 2;

    public static double ToDouble(long work) => work / (double)PerSeatSecond;
}
