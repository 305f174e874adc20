using MLNet.Extensions.Transforms.MLNetSeam;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Featurization;

/// <summary>Wraps an already trained network as an estimator, so featurization can sit in a pipeline; Fit learns nothing.</summary>
public sealed class NetworkFeaturizerEstimator : IEstimator<NetworkFeaturizerTransformer>
{
    private readonly IHostEnvironment _env;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly NetworkPredictor _predictor;

    internal NetworkFeaturizerEstimator(IHostEnvironment env, string outputColumnName, string inputColumnName, NetworkPredictor predictor)
    {
        if (string.IsNullOrWhiteSpace(outputColumnName))
            throw new ArgumentException("The output column name is empty.", nameof(outputColumnName));
        if (string.IsNullOrWhiteSpace(inputColumnName))
            throw new ArgumentException("The input column name is empty.", nameof(inputColumnName));
        _env = env;
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _predictor = predictor;
    }

    /// <summary>Returns the featurizer; the network was trained before.</summary>
    public NetworkFeaturizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new NetworkFeaturizerTransformer(_env, _outputColumnName, _inputColumnName, _predictor);
        transformer.GetOutputSchema(input.Schema); // fails now, naming the column, if it does not fit the network
        return transformer;
    }

    /// <summary>Adds the feature vector column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!SchemaShapes.TryFind(inputSchema, _inputColumnName, out _))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{_inputColumnName}' is not in the data.");
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[_outputColumnName] = SchemaShapes.Column(_outputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        return new SchemaShape(columns.Values);
    }
}
