using Microsoft.ML;

namespace MLNet.Extensions.Experiments;

/// <summary>The entry point on the <see cref="MLContext"/>: <c>mlContext.Experiments().CreateExperiment()</c>, as AutoML's <c>mlContext.Auto()</c>.</summary>
public sealed class ExperimentCatalog
{
    private readonly MLContext _mlContext;

    internal ExperimentCatalog(MLContext mlContext)
    {
        _mlContext = mlContext;
    }

    /// <summary>A new experiment to configure fluently and run.</summary>
    public Experiment CreateExperiment() => new(_mlContext);
}

/// <summary>Adds <see cref="Experiments"/> to <see cref="MLContext"/>.</summary>
public static class ExperimentCatalogExtensions
{
    /// <summary>The experiments catalog of <paramref name="mlContext"/>.</summary>
    public static ExperimentCatalog Experiments(this MLContext mlContext) =>
        new(mlContext ?? throw new ArgumentNullException(nameof(mlContext)));
}
