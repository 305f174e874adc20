using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Tests.Lstm;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>A small fixed-length sequence regression task and options that train it in well under a second.</summary>
public static class TinySequences
{
    /// <summary><paramref name="count"/> rows of 4 steps of 2 features.</summary>
    public static IDataView View(MLContext mlContext, int count, ulong seed)
    {
        SequenceRow[] rows = Sequences.Make(count, 4, 4, seed);
        var schema = SchemaDefinition.Create(typeof(SequenceRow));
        schema[nameof(SequenceRow.Values)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Values.Length);
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>A small LSTM regressor of the rows' target.</summary>
    public static LstmOptions Options(int epochs) => new()
    {
        FeatureColumnName = nameof(SequenceRow.Values),
        LabelColumnName = nameof(SequenceRow.Target),
        FeaturesPerStep = 2,
        HiddenSize = 4,
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 0.01f,
        Seed = 3,
    };
}
