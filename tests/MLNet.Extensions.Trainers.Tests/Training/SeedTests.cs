using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Tests.Lstm;

namespace MLNet.Extensions.Trainers.Tests.Training;

/// <summary>Seeds the ML.NET way: an unset Seed comes from the MLContext, an explicit one wins.</summary>
public class SeedTests
{
    private static readonly SequenceRow[] s_rows = Sequences.Make(64, 4, 4, 31);

    private static float[] Scores(int contextSeed, int? optionSeed)
    {
        var mlContext = new MLContext(seed: contextSeed);
        var schema = SchemaDefinition.Create(typeof(SequenceRow));
        schema[nameof(SequenceRow.Values)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, s_rows[0].Values.Length);
        IDataView data = mlContext.Data.LoadFromEnumerable(s_rows, schema);
        var options = new LstmOptions
        {
            FeatureColumnName = nameof(SequenceRow.Values),
            LabelColumnName = nameof(SequenceRow.Target),
            FeaturesPerStep = 2,
            HiddenSize = 4,
            Epochs = 1,
            BatchSize = 16,
            Seed = optionSeed,
        };
        return mlContext.Regression.Trainers.Lstm(options).Fit(data).Transform(data).GetColumn<float>("Score").ToArray();
    }

    [Fact]
    public void AnUnsetSeedComesFromTheContext()
    {
        Assert.Equal(Scores(1, null), Scores(1, null));
        Assert.NotEqual(Scores(1, null), Scores(2, null));
    }

    [Fact]
    public void AnExplicitSeedWinsOverTheContext()
    {
        float[] first = Scores(1, 5);
        Assert.Equal(first, Scores(2, 5));
        Assert.NotEqual(first, Scores(1, 6));
    }
}
