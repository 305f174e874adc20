using Microsoft.ML.Runtime;

namespace MLNet.Extensions.Transforms.MLNetSeam;

/// <summary>
/// ML.NET's cancellation (<c>MLContext.CancelExecution</c>, which AutoML calls) as the rest of our code sees it: ML.NET
/// keeps the check internal (<c>Contracts.CheckAlive</c>), as its own trainers and cursors use it.
/// </summary>
internal static class HostCancellation
{
    /// <summary>Throws <see cref="OperationCanceledException"/> when <paramref name="env"/> (a context or a host made from one) was cancelled.</summary>
    public static void ThrowIfCancelled(IHostEnvironment env) => env.CheckAlive();
}
