import { App } from 'aws-cdk-lib';
import { buildApp } from './build-app';

// `npm run synth` / `cdk deploy`: context `stage` names the deployment, `providers` picks sandbox or production.
const app = new App();
buildApp(app);
app.synth();
