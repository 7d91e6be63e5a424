using BenchmarkDotNet.Running;

namespace Cascade.Bench;

public static class Program
{
    /// <summary>`dotnet run -c Release --project bench/Cascade.Bench -- --filter '*'`</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
