using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Extensions.Transforms.Sequences;

/// <summary>Sequence transforms as ML.NET catalog entries: <c>mlContext.Transforms.StandardizeSequence(...)</c> and <c>SlidingWindow(...)</c>.</summary>
public static class SequenceTransformsCatalog
{
    /// <summary>
    /// Standardizes each of <paramref name="featuresPerStep"/> features of a sequence vector with statistics learned in Fit;
    /// the last <paramref name="trailingValues"/> values of each vector (per-sequence features) are left unchanged.
    /// </summary>
    public static StandardizeSequenceEstimator StandardizeSequence(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, int featuresPerStep = 1, int trailingValues = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new StandardizeSequenceEstimator(CatalogEnvironment.Of(catalog), outputColumnName, inputColumnName ?? outputColumnName, featuresPerStep,
            trailingValues);
    }

    /// <summary>
    /// Turns an ordered series column (one value or one fixed-size vector per row) into training windows: see
    /// <see cref="SlidingWindowOptions"/>.
    /// </summary>
    public static SlidingWindowEstimator SlidingWindow(this TransformsCatalog catalog, string outputColumnName, string inputColumnName,
        int windowSize, int horizon = 1, string? targetColumnName = null, int stride = 1, int differencingOrder = 0)
        => SlidingWindow(catalog, new SlidingWindowOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            WindowSize = windowSize,
            Horizon = horizon,
            TargetColumnName = targetColumnName,
            Stride = stride,
            DifferencingOrder = differencingOrder,
        });

    /// <summary>A sliding-window transform configured by <paramref name="options"/>.</summary>
    public static SlidingWindowEstimator SlidingWindow(this TransformsCatalog catalog, SlidingWindowOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SlidingWindowEstimator(CatalogEnvironment.Of(catalog), options);
    }
}
