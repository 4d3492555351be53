using Microsoft.ML.GenerativeRec.Training;
using Microsoft.ML.Runtime;
using TorchSharp;

namespace Microsoft.ML.GenerativeRec.Tests.Training;

[TestClass]
public sealed class TorchRuntimeScopeTests
{
    private const int Cpu = -1;                                      // expected CUDA index, or the CPU

    [TestMethod]
    [DataRow(ComputeDevice.Auto, null, false, 0, Cpu, false)]       // the default MLContext: the CPU
    [DataRow(ComputeDevice.Auto, null, false, 1, Cpu, false)]       // a GPU machine loads and trains on the CPU unless asked
    [DataRow(ComputeDevice.Auto, 0, false, 1, 0, false)]            // GpuDeviceId names a usable GPU
    [DataRow(ComputeDevice.Auto, 1, false, 2, 1, false)]
    [DataRow(ComputeDevice.Auto, 0, true, 0, Cpu, true)]            // no CUDA runtime, FallbackToCpu: the CPU, with a warning
    [DataRow(ComputeDevice.Auto, 1, true, 1, Cpu, true)]            // no such GPU, FallbackToCpu
    [DataRow(ComputeDevice.Cpu, 0, false, 1, Cpu, false)]           // Options.Device overrides the MLContext
    [DataRow(ComputeDevice.Cuda, null, false, 1, 0, false)]         // Cuda without GpuDeviceId: GPU 0
    [DataRow(ComputeDevice.Cuda, 1, true, 2, 1, false)]             // Cuda with GpuDeviceId: that GPU
    public void ChooseDevice_UsableChoice_GivesTheDevice(ComputeDevice requested, int? gpuDeviceId, bool fallbackToCpu, int cudaDevices,
        int expectedCuda, bool warns)
    {
        var choice = TorchRuntimeScope.ChooseDevice(requested, gpuDeviceId, fallbackToCpu, cudaDevices);

        Assert.AreEqual(expectedCuda == Cpu ? null : expectedCuda, choice.CudaIndex);
        Assert.AreEqual(warns, choice.Warning is not null, choice.Warning);
    }

    [TestMethod]
    [DataRow(ComputeDevice.Auto, 0, 0, "MLContext.GpuDeviceId is 0 but TorchSharp reports no usable CUDA device")]
    [DataRow(ComputeDevice.Auto, 2, 2, "MLContext.GpuDeviceId is 2 but TorchSharp reports 2 CUDA device(s)")]
    [DataRow(ComputeDevice.Auto, -1, 1, "MLContext.GpuDeviceId is -1")]
    [DataRow(ComputeDevice.Cuda, null, 0, "ComputeDevice.Cuda was requested on CUDA device 0 but TorchSharp reports no usable CUDA device")]
    public void ChooseDevice_UnusableGpuWithoutFallback_ThrowsNotSupportedSayingWhy(ComputeDevice requested, int? gpuDeviceId, int cudaDevices, string expected)
    {
        var error = Assert.ThrowsExactly<NotSupportedException>(() => TorchRuntimeScope.ChooseDevice(requested, gpuDeviceId, fallbackToCpu: false, cudaDevices));

        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void ChooseDevice_CudaRequestedWithFallbackAllowed_StillThrows()
    {
        // FallbackToCpu is the MLContext's default policy; an explicit Options.Device = Cuda overrides it.
        Assert.ThrowsExactly<NotSupportedException>(() => TorchRuntimeScope.ChooseDevice(ComputeDevice.Cuda, 0, fallbackToCpu: true, cudaDeviceCount: 0));
    }

    [TestMethod]
    public void ResolveDevice_ContextGpuWithFallbackOnThisCpuMachine_GivesTheCpuAndLogsAWarning()
    {
        // The tests reference TorchSharp-cpu, so no CUDA device is ever usable here.
        var mlContext = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        var warnings = new List<string>();
        mlContext.Log += (_, e) =>
        {
            lock (warnings)
            {
                if (e.Kind == ChannelMessageKind.Warning)
                    warnings.Add(e.Message);
            }
        };

        var device = TorchRuntimeScope.ResolveDevice(ComputeDevice.Auto, mlContext);

        Assert.AreEqual(DeviceType.CPU, device.type);
        lock (warnings)
        {
            Assert.IsTrue(warnings.Any(m => m.Contains("running on the CPU because MLContext.FallbackToCpu is true")), string.Join("\n", warnings));
        }
    }
}
