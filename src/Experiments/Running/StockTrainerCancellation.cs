using System.Reflection;
using Microsoft.ML;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// Cancels a stock ML.NET fit running on a trial's own MLContext. ML.NET's trainers poll the host's cancellation flag,
/// which only the internal <c>ICancelable.CancelExecution</c> sets (AutoML reaches it as a friend assembly); it is found
/// by reflection, so a future ML.NET without it degrades to waiting for the fit to end instead of failing.
/// </summary>
internal static class StockTrainerCancellation
{
    private static readonly MethodInfo? s_cancel = typeof(MLContext).GetInterfaces()
        .FirstOrDefault(i => i.Name == "ICancelable")?.GetMethod("CancelExecution");

    /// <summary>Asks every trainer on <paramref name="mlContext"/> to stop; false when this ML.NET has no such hook.</summary>
    public static bool TryCancel(MLContext mlContext)
    {
        if (s_cancel is null)
            return false;
        s_cancel.Invoke(mlContext, null);
        return true;
    }
}
