using Microsoft.ML;

namespace MLNet.Extensions.Experiments;

/// <summary>What a custom metric sees for one trained model on one validation split.</summary>
/// <param name="MLContext">The trial's context.</param>
/// <param name="Model">The trained model (featurizer and trainer).</param>
/// <param name="Train">The training split, before featurization.</param>
/// <param name="Validation">The validation split, before featurization.</param>
/// <param name="Scored">The model applied to <paramref name="Validation"/>.</param>
/// <param name="LabelColumnName">The experiment's label column.</param>
public sealed record MetricContext(MLContext MLContext, ITransformer Model, IDataView Train, IDataView Validation, IDataView Scored,
    string LabelColumnName);
