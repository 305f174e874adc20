using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Tests.Training;

namespace MLNet.Extensions.Trainers.Tests.Lstm;

/// <summary>Features per step come from the options or a (steps, features) column type, never from a silent default.</summary>
public class FeaturesPerStepTests
{
    [Fact]
    public void AFlatVectorWithoutFeaturesPerStepIsAnError()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView data = TinySequences.View(mlContext, 32, 1);
        var trainer = mlContext.Regression.Trainers.Lstm(TinySequences.Options(1) with { FeaturesPerStep = 0 });
        Exception e = Assert.ThrowsAny<Exception>(() => trainer.Fit(data));
        while (e.InnerException is not null && e is not ArgumentException)
            e = e.InnerException;
        var argument = Assert.IsType<ArgumentException>(e, exactMatch: false);
        Assert.Equal("FeaturesPerStep", argument.ParamName);
        Assert.Contains("flat vector", argument.Message);
    }

    [Fact]
    public void A2DColumnTypeGivesFeaturesPerStep()
    {
        var mlContext = new MLContext(seed: 1);
        SequenceRow[] rows = Sequences.Make(32, 4, 4, 1);
        var schema = SchemaDefinition.Create(typeof(SequenceRow));
        schema[nameof(SequenceRow.Values)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 4, 2);
        IDataView data = mlContext.Data.LoadFromEnumerable(rows, schema);
        var model = mlContext.Regression.Trainers.Lstm(TinySequences.Options(1) with { FeaturesPerStep = 0 }).Fit(data);
        Assert.Equal(MLNet.Extensions.Trainers.Network.TensorShape.Sequence(4, 2).ToString(), model.Model.Predictor.Network.Layout.Shape.ToString());
    }
}
