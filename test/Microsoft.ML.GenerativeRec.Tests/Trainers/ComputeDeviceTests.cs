using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Tests.Trainers;

// The tests reference TorchSharp-cpu: no CUDA device is usable, so an MLContext that names a GPU is one whose GPU is
// missing. TorchRuntimeScopeTests covers the rule with GPUs present.
[TestClass]
public sealed class ComputeDeviceTests
{
    [TestMethod]
    public void Fit_ContextNamesAMissingGpuWithoutFallback_ThrowsNotSupported()
    {
        var mlContext = new MLContext(seed: 1) { GpuDeviceId = 0 };
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var trainer = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1));

        var error = Assert.ThrowsExactly<NotSupportedException>(() => trainer.Fit(split.Train));

        StringAssert.Contains(error.Message, "MLContext.GpuDeviceId is 0");
    }

    [TestMethod]
    public void Fit_ContextNamesAMissingGpuWithFallback_TrainsOnTheCpu()
    {
        var mlContext = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);

        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);

        Assert.AreEqual(DeviceType.CPU, model.Recommender.Device.type);
    }

    [TestMethod]
    public void Fit_DeviceCpuAndContextNamingAGpu_TrainsOnTheCpu()
    {
        var mlContext = new MLContext(seed: 1) { GpuDeviceId = 0 };
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        var options = SyntheticSequences.HstuOptions(epochs: 1);
        options.Device = ComputeDevice.Cpu;

        using var model = mlContext.Recommendation().Trainers.Hstu(options).Fit(split.Train);

        Assert.AreEqual(DeviceType.CPU, model.Recommender.Device.type);
    }

    [TestMethod]
    public void Load_ContextWithoutGpu_LoadsOnTheCpu()
    {
        using var folder = new TempFolder();
        string path = SaveSmallModel(folder);

        using var loaded = (SequentialRecommenderTransformer)new MLContext(seed: 1).Model.Load(path, out _);

        Assert.AreEqual(DeviceType.CPU, loaded.Recommender.Device.type);
    }

    [TestMethod]
    public void Load_ContextNamesAMissingGpuWithoutFallback_ThrowsNotSupported()
    {
        // Loading follows the loading MLContext, not the device the model was trained on.
        using var folder = new TempFolder();
        string path = SaveSmallModel(folder);
        var gpuContext = new MLContext(seed: 1) { GpuDeviceId = 0 };

        // ML.NET calls our loader through reflection, which wraps what it throws (docs/reliability.md).
        var error = Assert.ThrowsExactly<System.Reflection.TargetInvocationException>(() => gpuContext.Model.Load(path, out _));

        Assert.IsInstanceOfType<NotSupportedException>(error.InnerException);
        StringAssert.Contains(error.InnerException.Message, "MLContext.GpuDeviceId is 0");
    }

    private static string SaveSmallModel(TempFolder folder)
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: false);
        using var model = mlContext.Recommendation().Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        string path = folder.File("model.zip");
        mlContext.Model.Save(model, split.Train.Schema, path);
        return path;
    }
}
