package guanxi.neo4j;

import java.util.Optional;

import org.neo4j.configuration.Config;
import org.neo4j.gds.LicensingBusinessFacade;
import org.neo4j.gds.OpenGdsLicensingServiceBuilder;
import org.neo4j.gds.SysInfoProcFacade;
import org.neo4j.gds.applications.modelcatalog.ModelRepository;
import org.neo4j.gds.applications.operations.FeatureTogglesRepository;
import org.neo4j.gds.core.model.OpenModelCatalog;
import org.neo4j.gds.core.write.NativeExportBuildersProvider;
import org.neo4j.gds.metrics.Metrics;
import org.neo4j.gds.procedures.integration.DefaultExportLocation;
import org.neo4j.gds.procedures.integration.LogAccessor;
import org.neo4j.gds.procedures.integration.OpenGraphDataScienceExtensionBuilder;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.extension.ExtensionFactory;
import org.neo4j.kernel.extension.context.ExtensionContext;
import org.neo4j.kernel.lifecycle.Lifecycle;
import org.neo4j.logging.internal.LogService;

/**
 * Registers the components GDS's procedures are injected with
 * ({@code GraphDataScienceProcedures}, and {@code SysInfoProcFacade} for
 * {@code gds.license.state()}), with GDS's open-edition parts.
 *
 * <p>Maven Central has GDS as its library modules (the procedures, algorithms and
 * builders) but not the packaging module of the plugin jar, whose only job is this
 * registration; without it Neo4j refuses to start ("the field facade has type
 * GraphDataScienceProcedures which is not a known injectable component"). This class
 * does that job through GDS's public builder, with the open edition's choices: writes
 * through the kernel, no metrics, models kept in memory only, no extra checks.
 * Found by {@code ServiceLoader} (META-INF/services), like every Neo4j extension.
 */
public final class OpenGdsExtension extends ExtensionFactory<OpenGdsExtension.Dependencies> {

    /** What Neo4j hands the extension. */
    public interface Dependencies {
        Config config();

        GlobalProcedures globalProcedures();

        LogService logService();
    }

    public OpenGdsExtension() {
        super("guanxi.test.gds");
    }

    @Override
    public Lifecycle newInstance(ExtensionContext context, Dependencies dependencies) {
        var log = new LogAccessor().getLog(dependencies.logService(), getClass());
        var config = dependencies.config();
        var procedures = dependencies.globalProcedures();
        // gds.license.state() (proc-sysinfo): the open edition's licence, "not licensed"
        var licensing = new OpenGdsLicensingServiceBuilder().build(config);
        var sysInfo = new SysInfoProcFacade(new LicensingBusinessFacade(licensing));
        procedures.registerComponent(SysInfoProcFacade.class, procedureContext -> sysInfo, true);
        // models live in the in-memory model catalog only: storing them on disk
        // (gds.model.store) is a GDS Enterprise feature
        ModelRepository noModelStorage = model -> {
            throw new UnsupportedOperationException("storing models needs GDS Enterprise");
        };
        var builderAndServices = OpenGraphDataScienceExtensionBuilder.create(
                log,
                procedures,
                config,
                (database, configuration) -> new NativeExportBuildersProvider(),
                new DefaultExportLocation(log, config),
                new FeatureTogglesRepository(),
                Metrics.DISABLED,
                new OpenModelCatalog(),
                noModelStorage,
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        return builderAndServices.getLeft().build();
    }
}
